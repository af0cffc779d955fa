import { prepareDomainDatabase, type DatabaseDomain } from '@storefront/db';
import { createEventBus, type DomainEventsOptions } from '@storefront/events';
import { runServer, type ProcessConfig, type StartedServer } from '@storefront/http-server';
import type { RedisConnection } from '@storefront/redis';

/** What the boot reads of a domain subgraph's config, besides what every service process reads. */
interface DomainSubgraphConfig extends ProcessConfig {
  DATABASE_POOL_MAX: number;
  EVENT_RETENTION_HOURS: number;
  EVENT_RETENTION_INTERVAL_MS: number;
  redis?: RedisConnection | undefined;
}

/**
 * The process of a domain subgraph with events (`main.ts`): its database prepared (migrated and
 * seeded outside production), its event bus (Redis Streams with REDIS_URL or
 * REDIS_CLUSTER_NODES, otherwise in-process), the server listening, and all of it stopped in
 * order on SIGTERM/SIGINT. A bad config or a failed start ends the process with its message.
 */
export async function runDomainSubgraph<Config extends DomainSubgraphConfig, Server extends StartedServer>(options: {
  /** Its registry entry (@storefront/stack): the domain's name and its embedded database's port. */
  subgraph: DatabaseDomain;
  loadConfig: () => Config;
  port: (config: Config) => number;
  createServer: (config: Config, setup: { databaseUrl: string; poolMax: number; events: DomainEventsOptions }) => Server;
  seedIfEmpty: (server: Server) => Promise<unknown>;
  /** More fields for the "ready" log line. */
  readyFields?: (config: Config) => Record<string, unknown>;
}): Promise<void> {
  const domain = options.subgraph.name;
  await runServer({
    name: domain,
    loadConfig: options.loadConfig,
    start: async (config) => {
      const database = await prepareDomainDatabase(options.subgraph, {
        migrate: config.NODE_ENV !== 'production',
        poolMax: config.DATABASE_POOL_MAX,
      });
      const bus = createEventBus(config.redis);
      const server = options.createServer(config, {
        databaseUrl: database.url,
        poolMax: database.poolMax,
        events: {
          bus,
          retention: { maxAgeSeconds: config.EVENT_RETENTION_HOURS * 3600, intervalMs: config.EVENT_RETENTION_INTERVAL_MS },
        },
      });
      if (config.NODE_ENV !== 'production') await options.seedIfEmpty(server);
      const close = async () => {
        await bus.close();
        await database.stop();
      };
      return { server, port: options.port(config), close };
    },
    ready: (config) => ({
      fields: { ...options.readyFields?.(config), events: config.redis?.kind ?? 'in-process' },
      message: `${domain} subgraph ready`,
    }),
  });
}
