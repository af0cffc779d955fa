import { readFileSync } from 'node:fs';
import { migrationReadiness, whenMigrated } from '@storefront/db';
import { catalogEvents } from '@storefront/catalog-events';
import { domainEventsWhenReady, type DomainEventsOptions, type Relay } from '@storefront/events';
import { orderEvents } from '@storefront/orders-events';
import { createLogger, createMetrics, type Logger } from '@storefront/http-server';
import { createSubgraphServer, subgraphPoolOptions } from '@storefront/subgraph-server';
import { parse } from 'graphql';
import type { CatalogConfig } from './config.js';
import type { Context } from './context.js';
import { createPrisma } from './db.js';
import { CATALOG_GROUP, catalogEventHandlers } from './events.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers/index.js';
import { CatalogService } from './service.js';

const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

export interface CatalogServerOptions {
  config: CatalogConfig;
  databaseUrl: string;
  poolMax?: number;
  logger?: Logger;
  /**
   * The event bus: `listen()` then starts the outbox relay and the orders-stream consumer,
   * `stop()` stops them. Without it, changes still write their events to the outbox, but
   * nothing publishes them or consumes order events.
   */
  events?: DomainEventsOptions;
}

/** The catalog subgraph, ready to listen; tests build it without opening a fixed port. */
export function createCatalogServer({
  config,
  databaseUrl,
  poolMax,
  logger = createLogger('catalog', config.LOG_LEVEL),
  events,
}: CatalogServerOptions) {
  const metrics = createMetrics('catalog');
  const { prisma, pool } = createPrisma(databaseUrl, subgraphPoolOptions(metrics, logger, poolMax ?? config.DATABASE_POOL_MAX));
  const prefix = events?.streamPrefix ?? config.EVENT_STREAM_PREFIX;
  const streams = { orders: orderEvents.stream(prefix), catalog: catalogEvents.stream(prefix) };
  const catalog = new CatalogService(prisma, { stream: streams.catalog });
  const migrations = migrationReadiness('catalog', pool, { logger });
  const domainEvents = domainEventsWhenReady({
    events,
    pool,
    consumes: { stream: streams.orders, group: CATALOG_GROUP, contract: orderEvents },
    handlers: catalogEventHandlers(prisma, streams.catalog),
    registry: metrics.registry,
    logger,
    // Not before the database has this build's migrations (production migrates separately).
    whenReady: (start) => whenMigrated(migrations, start),
  });
  const server = createSubgraphServer<Context>({
    typeDefs,
    resolvers,
    settings: config,
    logger,
    metrics,
    database: { pool, disconnect: () => prisma.$disconnect(), migrations },
    context: () => ({
      loaders: createLoaders(prisma, metrics.dataloaderBatchSize),
      catalog,
    }),
    // Consumer and relay first: they use the pool, which closes after this.
    onStop: () => domainEvents.stop(),
  });
  return {
    ...server,
    async listen(port: number, host?: string) {
      const listening = await server.listen(port, host);
      await domainEvents.start();
      return listening;
    },
    /** The outbox relay while listening with events (tests `flush()` it). */
    get relay(): Relay | undefined {
      return domainEvents.relay;
    },
    streams,
    prisma,
    metrics,
    logger,
  };
}
