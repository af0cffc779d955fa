import { readFileSync } from 'node:fs';
import { isDatabaseReady } from '@storefront/db';
import { authenticate, createLogger, createMetrics, createSubgraphServer, type Logger } from '@storefront/server';
import { parse } from 'graphql';
import { CatalogClient } from './catalog-client.js';
import type { OrdersConfig } from './config.js';
import type { Context } from './context.js';
import { createPrisma } from './db.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers/index.js';
import { OrdersService } from './service.js';

const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

export interface OrdersServerOptions {
  config: OrdersConfig;
  databaseUrl: string;
  poolMax?: number;
  logger?: Logger;
}

/** The orders subgraph, ready to listen; tests build it without opening a fixed port. */
export function createOrdersServer({ config, databaseUrl, poolMax, logger = createLogger('orders', config.LOG_LEVEL) }: OrdersServerOptions) {
  const metrics = createMetrics('orders');
  const { prisma, pool } = createPrisma(databaseUrl, {
    max: poolMax ?? config.DATABASE_POOL_MAX,
    onStatement: () => metrics.sqlStatements.inc(),
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  const orders = new OrdersService(prisma, new CatalogClient(config.CATALOG_URL, config.CATALOG_TIMEOUT_MS));
  const server = createSubgraphServer<Context>({
    typeDefs,
    resolvers,
    nodeEnv: config.NODE_ENV,
    logger,
    metrics,
    context: async (request) => ({
      ...(await authenticate(request, config.JWT_SECRET)),
      loaders: createLoaders(prisma),
      orders,
    }),
    // The catalog is needed only to place orders; reads keep working without it.
    readiness: [{ name: 'database', check: () => isDatabaseReady(pool) }],
    onStop: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  });
  return { ...server, prisma, metrics, logger };
}
