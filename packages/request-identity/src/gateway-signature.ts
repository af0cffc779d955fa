import {
  CLIENT_IP_HEADER,
  NONCE_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signSubgraphRequest,
  verifySubgraphSignature,
} from '@storefront/auth';
import type { NonceStore } from './nonce-store.js';

/*
 * Subgraph requests signed by the gateway: the gateway signs each one's exact bytes (and the
 * client address it names), and every subgraph refuses what it did not sign. The signature
 * itself (HMAC, headers) is @storefront/auth's; this is where servers put it to work.
 */

/**
 * `init` with the gateway's signature of its exact body (and of the client address it names,
 * if any) added to its headers. The gateway's data source serializes the body after
 * `willSendRequest`, so its fetcher signs here, where the bytes are final.
 */
export function withGatewaySignature(secret: string, url: string, init: RequestInit): RequestInit {
  const method = (init.method ?? 'GET').toUpperCase();
  const body = method === 'GET' ? new URL(url).search : typeof init.body === 'string' ? init.body : '';
  const headers = new Headers(init.headers);
  const clientIp = headers.get(CLIENT_IP_HEADER) ?? undefined;
  for (const [name, value] of Object.entries(signSubgraphRequest(secret, { method, body, clientIp }))) headers.set(name, value);
  return { ...init, headers: Object.fromEntries(headers) };
}

/** A GraphQL request as the HTTP front has read it, before it runs. */
export interface IncomingGraphQLRequest {
  method: string;
  /** The raw body ('' for GET). */
  body: string;
  /** The URL's query string, with its `?` ('' when none). */
  search: string;
  header(name: string): string | undefined;
}

/** An answer that stops a request before GraphQL runs. */
export interface RequestRefusal {
  status: number;
  code: string;
  message: string;
  /** Logged, never sent. */
  reason?: string;
}

/**
 * The check every subgraph runs on every GraphQL request (`_entities` and `_service`
 * included): a valid, fresh gateway signature whose nonce has not been used before (with
 * `nonces`), or 403 FORBIDDEN.
 */
export function gatewaySignatureGuard(secret: string, maxAgeSeconds = 30, nonces?: NonceStore) {
  const refusal = (reason: string): RequestRefusal => ({
    status: 403,
    code: 'FORBIDDEN',
    message: 'Requests must come through the gateway.',
    reason: `gateway signature ${reason}`,
  });
  return async (request: IncomingGraphQLRequest): Promise<RequestRefusal | undefined> => {
    const check = verifySubgraphSignature(
      secret,
      {
        method: request.method,
        content: request.method === 'GET' ? request.search : request.body,
        signature: request.header(SIGNATURE_HEADER),
        timestamp: request.header(TIMESTAMP_HEADER),
        nonce: request.header(NONCE_HEADER),
        clientIp: request.header(CLIENT_IP_HEADER),
      },
      maxAgeSeconds,
    );
    if (!check.ok) return refusal(check.reason);
    // Kept for twice the window: a signature is fresh from maxAge before now to maxAge after.
    if (nonces && !(await nonces.firstUse(request.header(NONCE_HEADER)!, 2 * maxAgeSeconds))) return refusal('replayed');
    return undefined;
  };
}
