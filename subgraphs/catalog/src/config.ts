import { assertProductionSecrets, loadConfig, port, postgresUrl, subgraphShape } from '@storefront/config';
import { redisShape, withRedisConnection } from '@storefront/config';
import { eventRetentionShape, eventStreamShape } from '@storefront/config';

const shape = {
  ...subgraphShape(),
  CATALOG_PORT: port(4002),
  CATALOG_DATABASE_URL: postgresUrl.optional(),
  /** Age and sweep interval of published outbox rows and processed-event ids (EVENT_RETENTION_*). */
  ...eventRetentionShape(),
  /** Redis for the event streams (REDIS_URL or REDIS_CLUSTER_NODES); neither → the in-process bus. */
  ...redisShape,
  ...eventStreamShape(),
};

export type CatalogConfig = ReturnType<typeof loadCatalogConfig>;

export function loadCatalogConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(shape, env);
  assertProductionSecrets(config, ['JWT_SECRET', 'SUBGRAPH_SECRET']);
  return withRedisConnection(config);
}
