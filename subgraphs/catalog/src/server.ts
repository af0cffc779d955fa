import { readFileSync } from 'node:fs';
import { isDatabaseReady } from '@storefront/db';
import { authenticate, createLogger, createMetrics, createSubgraphServer, type Logger } from '@storefront/server';
import { parse } from 'graphql';
import type { CatalogConfig } from './config.js';
import type { Context } from './context.js';
import { createPrisma } from './db.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers/index.js';
import { CatalogService } from './service.js';

const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

export interface CatalogServerOptions {
  config: CatalogConfig;
  databaseUrl: string;
  poolMax?: number;
  logger?: Logger;
}

/** The catalog subgraph, ready to listen; tests build it without opening a fixed port. */
export function createCatalogServer({ config, databaseUrl, poolMax, logger = createLogger('catalog', config.LOG_LEVEL) }: CatalogServerOptions) {
  const metrics = createMetrics('catalog');
  const { prisma, pool } = createPrisma(databaseUrl, {
    max: poolMax ?? config.DATABASE_POOL_MAX,
    onStatement: () => metrics.sqlStatements.inc(),
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  const catalog = new CatalogService(prisma);
  const server = createSubgraphServer<Context>({
    typeDefs,
    resolvers,
    nodeEnv: config.NODE_ENV,
    logger,
    metrics,
    context: async (request) => ({
      ...(await authenticate(request, config.JWT_SECRET)),
      loaders: createLoaders(prisma),
      catalog,
    }),
    readiness: [{ name: 'database', check: () => isDatabaseReady(pool) }],
    onStop: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  });
  return { ...server, prisma, metrics, logger };
}
