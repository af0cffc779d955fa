import {
  assertProductionSecrets,
  httpUrl,
  loadConfig,
  milliseconds,
  port,
  resilienceShape,
  secret,
  serviceShape,
  z,
} from '@storefront/config';
import { redisShape, withRedisConnection } from '@storefront/config';
import {
  heapGrowingPercent,
  loginLimitShape,
  rateLimitShape,
  responseCacheShape,
  sessionRevocationShape,
} from '@storefront/config';
import { documentLimitsShape, liveShape } from '@storefront/config';

const origins = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.url({ protocol: /^https?$/ })).min(1));

const shape = {
  ...serviceShape,
  // A small live set and many quick requests: fewer full collections pay off here.
  HEAP_GROWING_PERCENT: heapGrowingPercent(100),
  BFF_WEB_PORT: port(4100),
  GATEWAY_URL: httpUrl.default('http://localhost:4000/graphql'),
  GATEWAY_TIMEOUT_MS: milliseconds(10_000),
  /** Keep-alive pool, query retries, retry budget and circuit breaker of gateway calls (GATEWAY_RETRIES, ...). */
  ...resilienceShape('GATEWAY'),
  /** REDIS_URL (one server) or REDIS_CLUSTER_NODES (a Redis Cluster); neither: the response cache and session coordination run in process. */
  ...redisShape,
  /** Where this BFF's responses are cached in that Redis (RESPONSE_CACHE_KEY_PREFIX). */
  ...responseCacheShape(),
  /** Comma-separated browser origins of the web app, allowed by CORS with cookies. */
  WEB_ORIGINS: origins.default(['http://localhost:3000']),
  /** Document limits of the web app's graph (MAX_QUERY_DEPTH, MAX_ALIASES, ...). */
  ...documentLimitsShape({
    depth: 8,
    aliases: 15,
    rootFields: 10,
    directives: 15,
    tokens: 1_500,
    documentBytes: 10_000,
    cost: 3_000,
    pageSize: 100,
    bodyBytes: 100_000,
  }),
  JWT_SECRET: secret(),
  /** Request budgets of the web app per user / per client address (RATE_LIMIT_PER_USER, ...). */
  ...rateLimitShape({ perUser: 600, perIp: 300 }),
  /** Failed logIn/signUp attempts per account and per address (LOGIN_ATTEMPTS_PER_ACCOUNT, ...). */
  ...loginLimitShape({ perAccount: 5, perIp: 20 }),
  /** Subscriptions: connections per user and address, subscriptions per connection, keep-alive, slow clients (LIVE_*). */
  ...liveShape(),
  /** Ended sessions, recorded by the users service in REDIS_URL (SESSION_REVOCATION_*). */
  ...sessionRevocationShape(),
  /** Keeps stacks that share one Redis apart (tests, side-by-side stacks). */
  EVENT_STREAM_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:._-]*$/)
    .optional(),
};

export type WebConfig = ReturnType<typeof loadWebConfig>;

export function loadWebConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(shape, env);
  assertProductionSecrets(config, ['JWT_SECRET']);
  return withRedisConnection(config);
}

/** Apollo Sandbox's origin, allowed next to the web app's outside production. */
export const SANDBOX_ORIGIN = 'https://studio.apollographql.com';
