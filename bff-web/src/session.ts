import { TokenError, verifyAccessToken, type RevokedSessions, type Viewer } from '@storefront/auth';
import {
  clearedSessionCookies,
  negotiateLocale,
  readSessionCookies,
  sessionCookies,
  unauthenticatedError,
  type BffCaller,
  type CookieSettings,
  type GatewayClient,
  type RefreshCaller,
  type SessionRefresher,
  type SessionTokens,
} from '@storefront/bff';
import type { RequestInfo } from '@storefront/http-server';
import { RefreshSessionDocument } from './gateway.js';

/** The signed-in state of one request, and how to change it (cookies on the response). */
export interface WebSession {
  viewer: Viewer | undefined;
  accessToken: string | undefined;
  refreshToken: string | undefined;
  start(tokens: SessionTokens): Promise<Viewer>;
  end(): void;
}

/** Exchanges a refresh token through the gateway; null when the users service refuses it. */
export function exchangeRefreshToken(gateway: GatewayClient) {
  return async (refreshToken: string, caller: RefreshCaller): Promise<SessionTokens | null> => {
    const data = await gateway.request(RefreshSessionDocument, { refreshToken }, caller);
    return data.refreshSession.session;
  };
}

/** What the session cookies say, their access token verified once for the whole request. */
export interface CookieCaller extends BffCaller {
  viewer: Viewer | undefined;
  /** The verified access token; undefined when signed out or when it did not verify. */
  accessToken: string | undefined;
  refreshToken: string | undefined;
  /** Why the access cookie was refused, when it was. */
  refused: 'expired' | 'invalid' | undefined;
}

/**
 * Verifies the access cookie (never throws for a bad one). The caller is `settled` when the
 * cookies need no change: a valid access cookie, or no session cookies at all; otherwise the
 * session is refreshed or cleared by resolveWebSession.
 */
export async function identifyByCookies(
  request: RequestInfo,
  jwtSecret: string,
  revokedSessions?: RevokedSessions,
): Promise<CookieCaller> {
  const { accessToken, refreshToken } = readSessionCookies(request.header('cookie'));
  const variant = negotiateLocale(request.header('accept-language'));
  const signedOut = { viewer: undefined, accessToken: undefined, refreshToken, variant };
  if (!accessToken) return { ...signedOut, refused: undefined, settled: refreshToken === undefined };
  try {
    const viewer = await verifyAccessToken(accessToken, jwtSecret, revokedSessions);
    return { viewer, accessToken, refreshToken, variant, refused: undefined, settled: true };
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    return { ...signedOut, refused: error.reason === 'expired' ? 'expired' : 'invalid', settled: false };
  }
}

/**
 * The session of a request whose cookies `identifyByCookies` read. A valid access token signs
 * the request in; an expired or missing one is renewed with the refresh cookie, transparently
 * (new cookies ride on this response); a tampered one clears the cookies and is refused with
 * UNAUTHENTICATED.
 */
export async function resolveWebSession(
  request: RequestInfo,
  caller: CookieCaller,
  settings: { jwtSecret: string; cookies: CookieSettings; refresher: SessionRefresher },
): Promise<WebSession> {
  const session: WebSession = {
    viewer: caller.viewer,
    accessToken: caller.accessToken,
    refreshToken: caller.refreshToken,
    async start(tokens) {
      const viewer = await verifyAccessToken(tokens.accessToken, settings.jwtSecret);
      for (const cookie of sessionCookies(tokens, settings.cookies)) request.setCookie(cookie);
      session.viewer = viewer;
      session.accessToken = tokens.accessToken;
      session.refreshToken = tokens.refreshToken;
      return viewer;
    },
    end() {
      for (const cookie of clearedSessionCookies(settings.cookies)) request.setCookie(cookie);
      session.viewer = undefined;
      session.accessToken = undefined;
      session.refreshToken = undefined;
    },
  };
  if (caller.viewer) return session;
  if (caller.refused === 'invalid') {
    session.end();
    throw unauthenticatedError('Your session is not valid. Please sign in again.', 401);
  }
  if (caller.refreshToken) {
    const tokens = await settings.refresher.refresh(caller.refreshToken, { requestId: request.requestId, clientIp: request.ip });
    if (tokens) await session.start(tokens);
    else session.end();
  }
  return session;
}
