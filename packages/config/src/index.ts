import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { documentLimitsShape, type DocumentLimitDefaults } from './limits.js';
import {
  eventStreamShape,
  liveShape,
  loginLimitShape,
  rateLimitShape,
  responseCacheShape,
  sessionRevocationShape,
  subgraphTrustShape,
  type RateLimitDefaults,
} from './operations.js';
import { redisShape } from './redis.js';
import { resilienceShape } from './resilience.js';
import { secret } from './secrets.js';

export { z };
export { ConfigError } from './config-error.js';
export { DEVELOPMENT_SECRET, assertProductionSecrets, secret } from './secrets.js';

/**
 * Parses `env` against `shape` into one typed, frozen config object. Every problem is
 * reported at once, each line naming the variable, so a bad deploy fails fast and clearly.
 */
export function loadConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<z.infer<z.ZodObject<Shape>>> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    input[key] = value === '' ? undefined : value;
  }
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '(unknown)');
      return `  ${variable}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}

export const nodeEnv = z.enum(['development', 'test', 'production']).default('development');

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

export const httpUrl = z.url({ protocol: /^https?$/ });

export const postgresUrl = z.url({ protocol: /^postgres(ql)?$/ });

export const milliseconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Runs `main`, printing a ConfigError as a one-paragraph message instead of a stack trace. */
export async function runService(main: () => Promise<unknown>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
    } else {
      console.error(error);
    }
    process.exit(1);
  }
}

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/**
 * `HOST`: the address a service listens on: an IPv4 or IPv6 address (`0.0.0.0`, all IPv4
 * interfaces, by default; `::` for all interfaces of both families, `127.0.0.1` for this
 * machine only) or a host name that resolves to one (`localhost`).
 */
export const listenHost = z
  .string()
  .trim()
  .refine(
    (value) =>
      isIP(value) !== 0 ||
      /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(
        value,
      ),
    {
      error: 'must be an IP address or a host name',
    },
  )
  .default('0.0.0.0');

/** Settings every service reads. */
export const serviceShape = {
  NODE_ENV: nodeEnv,
  LOG_LEVEL: logLevel,
  HOST: listenHost,
  HEAP_GROWING_PERCENT: heapGrowingPercent(50),
  /**
   * After SIGTERM, how long the service keeps serving with readiness at 503 before it closes
   * its listener, so a load balancer stops routing to it first (stopOnSignals in
   * @storefront/http-server). Unset: 5000 in production, 0 elsewhere.
   */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(300_000).optional(),
};

/**
 * `HEAP_GROWING_PERCENT`: the old generation is collected once it grows this many percent past
 * what the last full collection kept (V8's --heap-growing-percent; 0: V8's own sizing, up to
 * 4x). See limitHeapGrowth in @storefront/http-server. Lower keeps RSS nearer the live set, at the
 * cost of more full collections: the BFFs, whose live set is small, default higher.
 */
export function heapGrowingPercent(defaultPercent: number) {
  return z.coerce.number().int().min(0).max(300).default(defaultPercent);
}

/**
 * Settings of a service with a database. A domain's URL comes from `<DOMAIN>_DATABASE_URL`
 * (declared by the service) or from the server in `DATABASE_URL` plus `DATABASE_NAME_PREFIX`;
 * with neither, the service runs on the embedded Postgres.
 */
export const databaseShape = {
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_NAME_PREFIX: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'lower-case letters, digits and _ only')
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
};

/**
 * Settings every domain subgraph has, besides its port and `<DOMAIN>_DATABASE_URL`: the
 * service's and the database's, the JWT secret it verifies callers' tokens with, and the
 * secret that signs (the gateway, a subgraph calling another) and verifies (subgraphs)
 * subgraph requests (both must be set in production).
 */
export function subgraphShape() {
  return { ...serviceShape, ...databaseShape, JWT_SECRET: secret(), ...subgraphTrustShape() };
}

/**
 * Settings both BFFs have, besides their port and what only one of them has: the gateway they
 * call and how, Redis (response cache, rate limits, ended sessions, events) or none, the JWT
 * secret, subscriptions, and the document, request and login limits of their client type.
 */
export function bffShape(defaults: {
  documents: DocumentLimitDefaults;
  requests: RateLimitDefaults;
  logins: { perAccount: number; perIp: number };
}) {
  return {
    ...serviceShape,
    // A small live set and many quick requests: fewer full collections pay off here.
    HEAP_GROWING_PERCENT: heapGrowingPercent(100),
    GATEWAY_URL: httpUrl.default('http://localhost:4000/graphql'),
    GATEWAY_TIMEOUT_MS: milliseconds(10_000),
    /** Keep-alive pool, query retries, retry budget and circuit breaker of gateway calls (GATEWAY_RETRIES, ...). */
    ...resilienceShape('GATEWAY'),
    /** REDIS_URL (one server) or REDIS_CLUSTER_NODES (a Redis Cluster); neither: the response cache and session coordination run in process. */
    ...redisShape,
    ...responseCacheShape(),
    /** Document limits of the client's graph (MAX_QUERY_DEPTH, MAX_ALIASES, ...). */
    ...documentLimitsShape(defaults.documents),
    JWT_SECRET: secret(),
    /** Request budgets per user / per client address (RATE_LIMIT_PER_USER, ...). */
    ...rateLimitShape(defaults.requests),
    /** Failed sign-in attempts per account and per address (LOGIN_ATTEMPTS_PER_ACCOUNT, ...). */
    ...loginLimitShape(defaults.logins),
    /** Subscriptions: connections per user and address, subscriptions per connection, keep-alive, slow clients (LIVE_*). */
    ...liveShape(),
    /** Ended sessions, recorded by the subgraph that issues sessions in the shared Redis (SESSION_REVOCATION_*). */
    ...sessionRevocationShape(),
    ...eventStreamShape(),
  };
}

export { resilienceSettings, resilienceShape, type ResilienceShape } from './resilience.js';
export {
  liveShape,
  eventRetentionShape,
  eventStreamShape,
  loginLimitShape,
  rateLimitKeyPrefix,
  rateLimitShape,
  responseCacheShape,
  sessionRevocationShape,
  subgraphTrustShape,
  trustProxy,
  type RateLimitDefaults,
  type TrustProxySetting,
} from './operations.js';
export { documentLimitsShape, type DocumentLimitDefaults } from './limits.js';
export { serviceCommand, serviceProcessEnv } from './runtime.js';
export {
  redisClusterNodes,
  redisConnection,
  redisShape,
  sameRedis,
  withRedisConnection,
  type RedisClusterNode,
  type RedisConnection,
} from './redis.js';
