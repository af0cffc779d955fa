import { createSecretKey, type KeyObject } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';

type Role = 'CUSTOMER' | 'ADMIN';

/** Who is calling, as proven by a verified access token. */
export interface Viewer {
  id: string;
  role: Role;
  /** The sign-in session (refresh token family) the token was issued to; absent in older tokens. */
  sessionId?: string;
  /** When the token stops being valid (epoch ms): long-lived streams end then. */
  expiresAt?: number;
}

/**
 * Tells whether a session has ended (a reused refresh token, a sign-out), so that its access
 * tokens stop working before they expire. See SessionRevocations in @storefront/request-identity.
 */
export interface RevokedSessions {
  isRevoked(sessionId: string): Promise<boolean>;
}

export interface TokenSettings {
  secret: string;
  /** Lifetime of an access token, in seconds. */
  ttlSeconds?: number;
}

/**
 * The `iss` claim of every access token: the storefront's sign-in sessions, whichever service
 * issues them. (Tokens from before this name, which named the issuing subgraph, fail to verify:
 * their holders refresh or sign in again once, within the 15-minute lifetime of those tokens.)
 */
const ISSUER = 'storefront-sessions';
const AUDIENCE = 'storefront';
const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

/** An access token that is missing, malformed, forged or expired. */
export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    message: string,
    readonly reason: 'malformed' | 'expired' | 'invalid' | 'revoked',
  ) {
    super(message);
  }
}

// A KeyObject per secret, built once: given raw bytes, jose would import the key on every call.
const keys = new Map<string, KeyObject>();
function key(secret: string): KeyObject {
  let imported = keys.get(secret);
  if (!imported) {
    imported = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, imported);
  }
  return imported;
}

export async function signAccessToken(
  viewer: Viewer,
  settings: TokenSettings,
): Promise<{ accessToken: string; expiresIn: number }> {
  const expiresIn = settings.ttlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
  const accessToken = await new SignJWT({ role: viewer.role, ...(viewer.sessionId ? { sid: viewer.sessionId } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(viewer.id)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${expiresIn}s`)
    .sign(key(settings.secret));
  return { accessToken, expiresIn };
}

/**
 * Tokens already verified with a secret, until they expire: a signed-in client sends the same
 * token with every request, and every tier (BFF, gateway) checks it. Bounded; a token's
 * signature and claims never change, so only its expiry needs checking again.
 */
const verifiedTokens = new Map<string, { viewer: Viewer; expiresAt: number }>();
const MAX_VERIFIED_TOKENS = 10_000;

/**
 * The viewer an access token proves, or a TokenError: malformed, forged, expired, or (when
 * `revoked` is given) issued for a session that has since ended.
 */
export async function verifyAccessToken(token: string, secret: string, revoked?: RevokedSessions): Promise<Viewer> {
  const viewer = await verifiedViewer(token, secret);
  if (revoked && viewer.sessionId && (await revoked.isRevoked(viewer.sessionId))) {
    throw new TokenError('access token belongs to a session that has ended', 'revoked');
  }
  return viewer;
}

async function verifiedViewer(token: string, secret: string): Promise<Viewer> {
  const memoKey = `${token}\n${secret}`;
  const known = verifiedTokens.get(memoKey);
  if (known && known.expiresAt > Date.now()) return known.viewer;
  if (known) verifiedTokens.delete(memoKey);
  return verifyToken(token, secret);
}

async function verifyToken(token: string, secret: string): Promise<Viewer> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    const role = payload.role;
    if (typeof payload.sub !== 'string' || (role !== 'CUSTOMER' && role !== 'ADMIN')) {
      throw new TokenError('access token has no valid subject or role', 'invalid');
    }
    const viewer: Viewer = {
      id: payload.sub,
      role,
      ...(typeof payload.sid === 'string' ? { sessionId: payload.sid } : {}),
      ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}),
    };
    if (typeof payload.exp === 'number') {
      // Map keeps insertion order: the oldest verification goes first.
      if (verifiedTokens.size >= MAX_VERIFIED_TOKENS) verifiedTokens.delete(verifiedTokens.keys().next().value!);
      verifiedTokens.set(`${token}\n${secret}`, { viewer, expiresAt: payload.exp * 1000 });
    }
    return viewer;
  } catch (error) {
    if (error instanceof TokenError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new TokenError('access token expired', 'expired');
    throw new TokenError('access token is not valid', 'invalid');
  }
}

/**
 * The token of an `Authorization: Bearer <token>` header; undefined when there is no header.
 * Any other shape is an error rather than an anonymous request, so a client bug is visible.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header.trim());
  if (!match?.[1]) throw new TokenError('Authorization header must be "Bearer <token>"', 'malformed');
  return match[1];
}

/** The viewer of a request's Authorization header: undefined when anonymous. */
export async function viewerFromAuthorization(
  header: string | undefined,
  secret: string,
  revoked?: RevokedSessions,
): Promise<Viewer | undefined> {
  const token = bearerToken(header);
  return token === undefined ? undefined : verifyAccessToken(token, secret, revoked);
}
export {
  CLIENT_IP_HEADER,
  NONCE_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signSubgraphRequest,
  verifySubgraphSignature,
  type SignatureCheck,
} from './signature.js';
