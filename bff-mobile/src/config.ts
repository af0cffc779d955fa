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

const shape = {
  ...serviceShape,
  // A small live set and many quick requests: fewer full collections pay off here.
  HEAP_GROWING_PERCENT: heapGrowingPercent(100),
  BFF_MOBILE_PORT: port(4200),
  GATEWAY_URL: httpUrl.default('http://localhost:4000/graphql'),
  GATEWAY_TIMEOUT_MS: milliseconds(10_000),
  /** Keep-alive pool, query retries, retry budget and circuit breaker of gateway calls (GATEWAY_RETRIES, ...). */
  ...resilienceShape('GATEWAY'),
  /** REDIS_URL (one server) or REDIS_CLUSTER_NODES (a Redis Cluster); neither: the response cache and persisted queries live in process. */
  ...redisShape,
  /** Where this BFF's responses are cached in that Redis (RESPONSE_CACHE_KEY_PREFIX). */
  ...responseCacheShape(),
  /** Document limits of the mobile app's graph (MAX_QUERY_DEPTH, MAX_ALIASES, ...). */
  ...documentLimitsShape({
    depth: 6,
    aliases: 10,
    rootFields: 5,
    directives: 10,
    tokens: 1_000,
    documentBytes: 8_000,
    cost: 1_000,
    pageSize: 50,
    bodyBytes: 100_000,
  }),
  JWT_SECRET: secret(),
  /** Request budgets of the mobile app per user / per client address (RATE_LIMIT_PER_USER, ...). */
  ...rateLimitShape({ perUser: 300, perIp: 120 }),
  /** Failed logIn attempts per account and per address (LOGIN_ATTEMPTS_PER_ACCOUNT, ...). */
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

export type MobileConfig = ReturnType<typeof loadMobileConfig>;

export function loadMobileConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(shape, env);
  assertProductionSecrets(config, ['JWT_SECRET']);
  return withRedisConnection(config);
}

/** Apollo Sandbox's origin, allowed outside production (the app itself needs no CORS). */
export const SANDBOX_ORIGIN = 'https://studio.apollographql.com';
