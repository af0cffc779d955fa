import { AsyncLocalStorage } from 'node:async_hooks';
import { BlockList, isIP } from 'node:net';
import { CLIENT_IP_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signSubgraphRequest, verifySubgraphSignature } from '@storefront/auth';
import type { NonceStore } from './nonce-store.js';

export { CLIENT_IP_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signSubgraphRequest, verifySubgraphSignature, type SignatureCheck } from '@storefront/auth';

// ---------------------------------------------------------------------------------------
// Subgraph requests signed by the gateway
// ---------------------------------------------------------------------------------------

type Fetcher = (url: string, init: RequestInit) => Promise<Response>;

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

/** A fetch function whose every request carries the gateway's signature. */
export function signedFetch<F extends Fetcher>(secret: string, fetcher: F): F {
  return ((url: string, init: RequestInit) => fetcher(url, withGatewaySignature(secret, url, init))) as F;
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

// ---------------------------------------------------------------------------------------
// The client's address behind proxies
// ---------------------------------------------------------------------------------------

/** Same shape as `TrustProxySetting` in @storefront/config (parsed from `TRUST_PROXY`). */
export type TrustProxy =
  | { kind: 'none' }
  | { kind: 'all' }
  | { kind: 'hops'; hops: number }
  | { kind: 'list'; entries: string[] };

/** `::ffff:10.0.0.1` → `10.0.0.1`, so one client has one address whatever the socket family. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

function blockListOf(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    switch (entry) {
      case 'loopback':
        list.addSubnet('127.0.0.0', 8, 'ipv4');
        list.addAddress('::1', 'ipv6');
        break;
      case 'linklocal':
        list.addSubnet('169.254.0.0', 16, 'ipv4');
        list.addSubnet('fe80::', 10, 'ipv6');
        break;
      case 'uniquelocal':
        list.addSubnet('10.0.0.0', 8, 'ipv4');
        list.addSubnet('172.16.0.0', 12, 'ipv4');
        list.addSubnet('192.168.0.0', 16, 'ipv4');
        list.addSubnet('fc00::', 7, 'ipv6');
        break;
      default: {
        const [address, bits] = entry.split('/') as [string, string | undefined];
        const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
        if (bits === undefined) list.addAddress(address, family);
        else list.addSubnet(address, Number(bits), family);
      }
    }
  }
  return list;
}

/**
 * Resolves the client's address from the socket's peer and `X-Forwarded-For`, trusting the
 * header only as far as `trust` allows (as Express's `trust proxy` does). Without trust the
 * header is ignored, so a client cannot pick its own rate-limit bucket.
 */
export function clientAddressResolver(trust: TrustProxy = { kind: 'none' }) {
  const trusted = trust.kind === 'list' ? blockListOf(trust.entries) : undefined;
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && trusted!.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
  return (remoteAddress: string | undefined, forwardedFor: string | string[] | undefined): string => {
    const peer = normalizeAddress(remoteAddress ?? 'unknown');
    if (trust.kind === 'none') return peer;
    const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '');
    const chain = [...header.split(',').map((entry) => normalizeAddress(entry.trim())).filter(Boolean), peer];
    if (trust.kind === 'all') return chain[0]!;
    if (trust.kind === 'hops') return chain[Math.max(0, chain.length - 1 - trust.hops)]!;
    let index = chain.length - 1;
    while (index > 0 && isTrusted(chain[index]!)) index -= 1;
    // Garbage where an address should be: the last trusted hop's own peer is all we know.
    return isIP(chain[index]!) === 0 && index < chain.length - 1 ? chain[index + 1]! : chain[index]!;
  };
}

// ---------------------------------------------------------------------------------------
// What downstream calls of one request need to know about it
// ---------------------------------------------------------------------------------------

export interface RequestScope {
  requestId: string;
  /** The client's address, as resolved by this server. */
  clientIp: string;
}

const scope = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` with `request` as the current request (the HTTP front does this for /graphql). */
export function runInRequestScope<T>(request: RequestScope, fn: () => T): T {
  return scope.run(request, fn);
}

/** The request being served, if any. */
export function currentRequest(): RequestScope | undefined {
  return scope.getStore();
}

/**
 * `X-Forwarded-For` with the current request's client address, for a BFF's calls to the
 * gateway: the gateway (with `TRUST_PROXY` naming the BFFs) then limits anonymous callers by
 * their own address instead of the BFF's.
 */
export function forwardedForHeaders(): Record<string, string> {
  const request = currentRequest();
  return request && request.clientIp !== 'unknown' ? { 'x-forwarded-for': request.clientIp } : {};
}
