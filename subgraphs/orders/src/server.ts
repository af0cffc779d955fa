import { readFileSync } from 'node:fs';
import { resilienceSettings } from '@storefront/config';
import { migrationReadiness, whenMigrated } from '@storefront/db';
import { catalogEvents } from '@storefront/catalog-events';
import { domainEventsWhenReady, type DomainEventsOptions } from '@storefront/events';
import { orderEvents } from '@storefront/orders-events';
import { createLogger, createMetrics, type Logger } from '@storefront/http-server';
import { createSubgraphServer, subgraphPoolOptions } from '@storefront/subgraph-server';
import { parse } from 'graphql';
import { CatalogClient } from './catalog-client.js';
import type { OrdersConfig } from './config.js';
import type { Context } from './context.js';
import { createPrisma } from './db.js';
import { ORDERS_GROUP, ordersEventHandlers, ReservationOutcomes } from './events.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers/index.js';
import { OrdersService } from './service.js';

const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

export interface OrdersServerOptions {
  config: OrdersConfig;
  databaseUrl: string;
  poolMax?: number;
  logger?: Logger;
  /**
   * The event bus: with it, `listen()` starts the outbox relay and the consumer of the
   * catalog's stream. Without it orders still writes its outbox rows, and nothing publishes them.
   */
  events?: DomainEventsOptions;
}

/** The orders subgraph, ready to listen; tests build it without opening a fixed port. */
export function createOrdersServer({
  config,
  databaseUrl,
  poolMax,
  logger = createLogger('orders', config.LOG_LEVEL),
  events,
}: OrdersServerOptions) {
  const metrics = createMetrics('orders');
  const { prisma, pool } = createPrisma(databaseUrl, subgraphPoolOptions(metrics, logger, poolMax ?? config.DATABASE_POOL_MAX));
  const prefix = events?.streamPrefix ?? config.EVENT_STREAM_PREFIX;
  const streams = { orders: orderEvents.stream(prefix), catalog: catalogEvents.stream(prefix) };
  const catalog = new CatalogClient({
    url: config.CATALOG_URL,
    timeoutMs: config.CATALOG_TIMEOUT_MS,
    subgraphSecret: config.SUBGRAPH_SECRET,
    resilience: resilienceSettings(config, 'CATALOG'),
    registry: metrics.registry,
    logger,
  });
  const orders = new OrdersService(prisma, catalog, streams.orders);
  const migrations = migrationReadiness('orders', pool, { logger });
  const domainEvents = domainEventsWhenReady({
    events,
    pool,
    consumes: { stream: streams.catalog, group: ORDERS_GROUP, contract: catalogEvents },
    handlers: ordersEventHandlers(new ReservationOutcomes(prisma, streams.orders)),
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
      orders,
    }),
    // After in-flight requests, before the pools: the relay and the consumer use them.
    onStop: async () => {
      await domainEvents.stop();
      await catalog.close();
    },
  });
  return {
    ...server,
    async listen(port: number, host?: string) {
      const listening = await server.listen(port, host);
      await domainEvents.start();
      return listening;
    },
    prisma,
    pool,
    metrics,
    logger,
    /** The stream names this server writes and reads. */
    streams,
    /** The outbox relay, while events run (`flush()` publishes what waits now). */
    get relay() {
      return domainEvents.relay;
    },
  };
}
