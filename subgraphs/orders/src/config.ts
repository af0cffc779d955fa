import {
  assertProductionSecrets,
  httpUrl,
  loadConfig,
  milliseconds,
  port,
  postgresUrl,
  resilienceShape,
  subgraphShape,
} from '@storefront/config';
import { redisShape, withRedisConnection } from '@storefront/config';
import { eventRetentionShape, eventStreamShape } from '@storefront/config';

const shape = {
  ...subgraphShape(),
  ORDERS_PORT: port(4003),
  ORDERS_DATABASE_URL: postgresUrl.optional(),
  /** Age and sweep interval of published outbox rows and processed-event ids (EVENT_RETENTION_*). */
  ...eventRetentionShape(),
  /** The catalog subgraph, asked for prices and stock when an order is placed. */
  CATALOG_URL: httpUrl.default('http://localhost:4002/graphql'),
  /** How long placeOrder waits for the catalog, retries included, before giving up (CATALOG_UNAVAILABLE). */
  CATALOG_TIMEOUT_MS: milliseconds(5000),
  /** Keep-alive pool, retries, retry budget and circuit breaker of catalog calls (CATALOG_RETRIES, ...). */
  ...resilienceShape('CATALOG'),
  /** Redis for the event streams (REDIS_URL or REDIS_CLUSTER_NODES); without it events stay in this process. */
  ...redisShape,
  ...eventStreamShape(),
};

export type OrdersConfig = ReturnType<typeof loadOrdersConfig>;

export function loadOrdersConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(shape, env);
  assertProductionSecrets(config, ['JWT_SECRET', 'SUBGRAPH_SECRET']);
  return withRedisConnection(config);
}
