import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Headers carrying the gateway's signature of a subgraph request. */
export const SIGNATURE_HEADER = 'x-gateway-signature';
export const TIMESTAMP_HEADER = 'x-gateway-timestamp';
/** A random value per signed request: a subgraph takes each once (see NonceStore), closing the replay window. */
export const NONCE_HEADER = 'x-gateway-nonce';
/**
 * The client's address as the gateway resolved it (behind the BFFs: the address they named),
 * for per-address limits in subgraphs (sign-in attempts). Signed with the body, so only the
 * gateway can name it.
 */
export const CLIENT_IP_HEADER = 'x-client-ip';

/** v2: the nonce is signed too. */
const SIGNATURE_VERSION = 'v2';

/**
 * What a signature covers: the method, the time, the nonce, a hash of the body (the query
 * string for GET) and the client's address when one is named.
 */
function signedContent(method: string, timestamp: string, nonce: string, content: string, clientIp: string | undefined): string {
  const bodyHash = createHash('sha256').update(content).digest('hex');
  const signed = `${SIGNATURE_VERSION}\n${method.toUpperCase()}\n${timestamp}\n${nonce}\n${bodyHash}`;
  return clientIp ? `${signed}\n${clientIp}` : signed;
}

function hmac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('base64url');
}

/**
 * The headers that prove a request comes from the gateway (or a subgraph acting for it):
 * HMAC-SHA256 with `SUBGRAPH_SECRET` over method, timestamp and the body's SHA-256.
 */
export function signSubgraphRequest(
  secret: string,
  request: { method: string; body: string; clientIp?: string | undefined },
  now: number = Date.now(),
): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  const nonce = randomBytes(16).toString('base64url');
  return {
    [TIMESTAMP_HEADER]: timestamp,
    [NONCE_HEADER]: nonce,
    [SIGNATURE_HEADER]: `${SIGNATURE_VERSION}=${hmac(secret, signedContent(request.method, timestamp, nonce, request.body, request.clientIp))}`,
  };
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'mismatch' | 'replayed' };

/** Checks a request's gateway signature; `content` is the raw body (the query string for GET). */
export function verifySubgraphSignature(
  secret: string,
  request: {
    method: string;
    content: string;
    signature: string | undefined;
    timestamp: string | undefined;
    nonce: string | undefined;
    clientIp?: string | undefined;
  },
  maxAgeSeconds: number,
  now: number = Date.now(),
): SignatureCheck {
  const { signature, timestamp, nonce } = request;
  if (!signature || !timestamp || !nonce) return { ok: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(timestamp) || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce) || !signature.startsWith(`${SIGNATURE_VERSION}=`)) {
    return { ok: false, reason: 'malformed' };
  }
  // Either way: a captured request replays only within the window, and a clock far ahead is refused.
  if (Math.abs(now / 1000 - Number(timestamp)) > maxAgeSeconds) return { ok: false, reason: 'expired' };
  const expected = Buffer.from(hmac(secret, signedContent(request.method, timestamp, nonce, request.content, request.clientIp)));
  const given = Buffer.from(signature.slice(SIGNATURE_VERSION.length + 1));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'mismatch' };
  return { ok: true };
}
