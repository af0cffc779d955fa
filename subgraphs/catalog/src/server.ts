import { readFileSync } from 'node:fs';
import { isDatabaseReady } from '@storefront/db';
import { registerEventMetrics, startDomainEvents, streamNames, type DomainEvents, type DomainEventsOptions, type Relay } from '@storefront/events';
import { authenticate, createLogger, createMetrics, createSubgraphServer, type Logger } from '@storefront/server';
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
export function createCatalogServer({ config, databaseUrl, poolMax, logger = createLogger('catalog', config.LOG_LEVEL), events }: CatalogServerOptions) {
  const metrics = createMetrics('catalog');
  const { prisma, pool } = createPrisma(databaseUrl, {
    max: poolMax ?? config.DATABASE_POOL_MAX,
    onStatement: () => metrics.sqlStatements.inc(),
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  const streams = streamNames(events?.streamPrefix ?? config.EVENT_STREAM_PREFIX);
  const catalog = new CatalogService(prisma, { stream: streams.catalog });
  const consumes = { stream: streams.orders, group: CATALOG_GROUP };
  const eventMetrics = registerEventMetrics(metrics.registry, { pool, ...(events ? { consumed: { bus: events.bus, ...consumes } } : {}), logger });
  let running: DomainEvents | undefined;
  const server = createSubgraphServer<Context>({
    typeDefs,
    resolvers,
    nodeEnv: config.NODE_ENV,
    subgraphSecret: config.SUBGRAPH_SECRET,
    signatureMaxAgeSeconds: config.SUBGRAPH_SIGNATURE_MAX_AGE_SECONDS,
    logger,
    metrics,
    context: async (request) => ({
      ...(await authenticate(request, config.JWT_SECRET)),
      loaders: createLoaders(prisma, metrics.dataloaderBatchSize),
      catalog,
    }),
    readiness: [{ name: 'database', check: () => isDatabaseReady(pool) }],
    onStop: async () => {
      // Consumer and relay first: they use the pool closed below.
      await running?.stop();
      running = undefined;
      await prisma.$disconnect();
      await pool.end();
    },
  });
  return {
    ...server,
    async listen(port: number, host?: string) {
      const listening = await server.listen(port, host);
      if (events && !running) {
        running = startDomainEvents({ events, pool, consumes, handlers: catalogEventHandlers(prisma, streams.catalog), metrics: eventMetrics, logger });
      }
      return listening;
    },
    /** The outbox relay while listening with events (tests `flush()` it). */
    get relay(): Relay | undefined {
      return running?.relay;
    },
    streams,
    prisma,
    metrics,
    logger,
  };
}
