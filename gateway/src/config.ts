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
import { rateLimitShape, sessionRevocationShape, subgraphTrustShape } from '@storefront/config';
import { documentLimitsShape } from '@storefront/config';
import { DEFAULT_SUPERGRAPH_PATH } from './compose.js';

const shape = {
  ...serviceShape,
  GATEWAY_PORT: port(4000),
  /** Any supergraph file a federation router could serve; reloaded when it changes. */
  SUPERGRAPH_PATH: z.string().min(1).default(DEFAULT_SUPERGRAPH_PATH),
  /** Per-subgraph overrides of the URLs recorded in the supergraph. */
  USERS_URL: httpUrl.optional(),
  CATALOG_URL: httpUrl.optional(),
  ORDERS_URL: httpUrl.optional(),
  /** Longest wait for one subgraph call (retries included) before the gateway answers without it. */
  SUBGRAPH_TIMEOUT_MS: milliseconds(5_000),
  /** Per-subgraph overrides of SUBGRAPH_TIMEOUT_MS. */
  USERS_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  CATALOG_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  ORDERS_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  /** Identical query fetches to a subgraph in flight at once share one request (see inflight.ts). */
  SUBGRAPH_DEDUPLICATE_INFLIGHT: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('true')
    .transform((value) => value === 'true'),
  /** Keep-alive pool, retries, retry budget and circuit breaker of subgraph calls (SUBGRAPH_RETRIES, ...). */
  ...resilienceShape('SUBGRAPH'),
  /**
   * Document limits (MAX_QUERY_DEPTH, MAX_ALIASES, ...), roomy enough for the BFFs' batched
   * operations: up to GATEWAY_BATCH_SIZE (50) aliased root fields, each with the BFF's wide
   * entity selection, and a cost of about 22 times the BFF request's own.
   */
  ...documentLimitsShape({
    depth: 12,
    aliases: 100,
    rootFields: 100,
    directives: 50,
    tokens: 10_000,
    documentBytes: 64_000,
    cost: 100_000,
    pageSize: 100,
    bodyBytes: 1_000_000,
  }),
  JWT_SECRET: secret(),
  /** Signs (gateway, orders) and verifies (subgraphs) subgraph requests; must be set in production. */
  ...subgraphTrustShape(),
  /** Request budgets per user / per client address (RATE_LIMIT_PER_USER, RATE_LIMIT_PER_IP, ...). */
  ...rateLimitShape({ perUser: 3000, perIp: 6000 }),
  /** Ended sessions, recorded by the users service in Redis (SESSION_REVOCATION_*). */
  ...sessionRevocationShape(),
  /** Redis for the rate-limit counters and ended sessions, shared by every gateway instance: REDIS_URL or REDIS_CLUSTER_NODES; neither → in process. */
  ...redisShape,
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(shape, env);
  assertProductionSecrets(config, ['JWT_SECRET', 'SUBGRAPH_SECRET']);
  return withRedisConnection(config);
}

export function subgraphUrlOverride(config: GatewayConfig, name: string): string | undefined {
  switch (name) {
    case 'users':
      return config.USERS_URL;
    case 'catalog':
      return config.CATALOG_URL;
    case 'orders':
      return config.ORDERS_URL;
    default:
      return undefined;
  }
}
