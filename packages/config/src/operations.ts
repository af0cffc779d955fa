import { isIP } from 'node:net';
import { z } from 'zod';
import { secret } from './secrets.js';

/**
 * Which proxies in front of a service may tell it the client's address (X-Forwarded-For):
 * none (the socket's peer is the client), all of them, the nearest `hops`, or the listed
 * addresses / CIDR ranges / keywords (`loopback`, `linklocal`, `uniquelocal`).
 */
export type TrustProxySetting =
  { kind: 'none' } | { kind: 'all' } | { kind: 'hops'; hops: number } | { kind: 'list'; entries: string[] };

const TRUST_KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);

function validTrustEntry(entry: string): boolean {
  if (TRUST_KEYWORDS.has(entry)) return true;
  const [address, bits, ...rest] = entry.split('/');
  if (rest.length > 0 || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const prefix = Number(bits);
  return Number.isInteger(prefix) && prefix >= 0 && prefix <= (family === 4 ? 32 : 128);
}

/** `TRUST_PROXY`: unset or `false`, `true`, a hop count, or a comma-separated list. */
export const trustProxy = z
  .string()
  .optional()
  .transform((value, ctx): TrustProxySetting => {
    const text = value?.trim().toLowerCase() ?? '';
    if (text === '' || text === 'false' || text === '0') return { kind: 'none' };
    if (text === 'true') return { kind: 'all' };
    if (/^\d+$/.test(text)) return { kind: 'hops', hops: Number(text) };
    const entries = text
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const invalid = entries.filter((entry) => !validTrustEntry(entry));
    if (invalid.length > 0) {
      ctx.addIssue({ code: 'custom', message: `not an address, CIDR range or keyword: ${invalid.join(', ')}` });
      return z.NEVER;
    }
    return { kind: 'list', entries };
  });

const count = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

/** A prefix of Redis keys: keeps stacks (tests, side-by-side environments) that share one Redis apart. */
const redisKeyPrefix = (fallback: string) =>
  z
    .string()
    .max(100)
    .regex(/^[A-Za-z0-9:._-]*$/, 'letters, digits and : . _ - only')
    .default(fallback);

/** `RATE_LIMIT_KEY_PREFIX`: Redis key prefix of the counters. */
export const rateLimitKeyPrefix = redisKeyPrefix('rl:');

/** `EVENT_STREAM_PREFIX`: prefix of the event stream names (and so of their consumer groups). */
export function eventStreamShape() {
  return { EVENT_STREAM_PREFIX: redisKeyPrefix('') };
}

/**
 * `RESPONSE_CACHE_KEY_PREFIX`: Redis key prefix of a BFF's cached responses and their tag
 * index. Two stacks on one Redis with the same prefix would serve each other's answers.
 */
export function responseCacheShape() {
  return { RESPONSE_CACHE_KEY_PREFIX: redisKeyPrefix('sf:') };
}
const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Budgets of one client type (web, mobile, the gateway); 0 turns a budget off. */
export interface RateLimitDefaults {
  /** Requests per window for a signed-in user. */
  perUser: number;
  /** Requests per window for an anonymous client address. */
  perIp: number;
  windowSeconds?: number;
}

/**
 * Request rate limits: per user when signed in, per client address otherwise, counted in
 * Redis when the service has one (`REDIS_URL` or `REDIS_CLUSTER_NODES`; shared by every instance),
 * in process without it.
 */
export function rateLimitShape(defaults: RateLimitDefaults) {
  return {
    RATE_LIMIT_PER_USER: count(defaults.perUser),
    RATE_LIMIT_PER_IP: count(defaults.perIp),
    RATE_LIMIT_WINDOW_SECONDS: seconds(defaults.windowSeconds ?? 60),
    RATE_LIMIT_KEY_PREFIX: rateLimitKeyPrefix,
    TRUST_PROXY: trustProxy,
  };
}

/** Failed sign-ins allowed per account (email) and per client address, per window. */
export function loginLimitShape(defaults: { perAccount?: number; perIp?: number; windowSeconds?: number } = {}) {
  return {
    LOGIN_ATTEMPTS_PER_ACCOUNT: count(defaults.perAccount ?? 5),
    LOGIN_ATTEMPTS_PER_IP: count(defaults.perIp ?? 20),
    LOGIN_ATTEMPTS_WINDOW_SECONDS: seconds(defaults.windowSeconds ?? 900),
  };
}

/**
 * How long published outbox rows and processed-event ids are kept (EVENT_RETENTION_HOURS,
 * default a week: the processed ids must outlive any redelivery of their event) and how often
 * each instance sweeps (EVENT_RETENTION_INTERVAL_MS).
 */
export function eventRetentionShape() {
  return {
    EVENT_RETENTION_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 365)
      .default(24 * 7),
    EVENT_RETENTION_INTERVAL_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(3_600_000),
  };
}

/**
 * The secret the gateway signs subgraph requests with (HMAC-SHA256) and every subgraph
 * verifies; signatures older than `SUBGRAPH_SIGNATURE_MAX_AGE_SECONDS` are refused.
 */
export function subgraphTrustShape() {
  return {
    SUBGRAPH_SECRET: secret(),
    SUBGRAPH_SIGNATURE_MAX_AGE_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
    /** Prefix of the Redis keys holding the nonces of signed requests already taken (subgraphs with REDIS_URL). */
    SUBGRAPH_NONCE_KEY_PREFIX: redisKeyPrefix('nonce:'),
  };
}

/**
 * Where ended sessions are recorded (by the subgraph that handles sign-in) and looked up (gateway, BFFs):
 * `SESSION_REVOCATION_KEY_PREFIX` in the services' shared Redis, and how long a verifier
 * trusts a "not revoked" answer (`SESSION_REVOCATION_CACHE_MS`): the longest a revoked
 * session's access token still works.
 */
export function sessionRevocationShape() {
  return {
    SESSION_REVOCATION_KEY_PREFIX: redisKeyPrefix('session:revoked:'),
    SESSION_REVOCATION_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  };
}

/** Live updates (subscriptions): how many streams a client may hold open, and how they are kept alive. */
export function liveShape() {
  return {
    /** Open subscription connections per signed-in user, per instance (0: unlimited). */
    LIVE_MAX_CONNECTIONS_PER_USER: count(10),
    /** Open subscription connections per client address, per instance (0: unlimited); many people may share one address. */
    LIVE_MAX_CONNECTIONS_PER_IP: count(100),
    /** Subscriptions at once on one WebSocket (0: unlimited). */
    LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: count(20),
    /** WebSocket ping interval: shorter than any load balancer's idle timeout (60 s is common). */
    LIVE_KEEPALIVE_MS: z.coerce.number().int().min(1_000).max(55_000).default(15_000),
    /** Bytes waiting to be written to a client before it counts as too slow and is dropped. */
    LIVE_MAX_BUFFERED_BYTES: z.coerce.number().int().min(1_024).default(1_048_576),
  };
}
