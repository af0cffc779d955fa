import { readFileSync } from 'node:fs';
import { migrationReadiness } from '@storefront/db';
import { LoginAttemptLimiter, RateLimitStore } from '@storefront/rate-limits';
import { SessionRevocations } from '@storefront/request-identity';
import { createLogger, createMetrics, type Logger } from '@storefront/http-server';
import { createSubgraphServer, subgraphPoolOptions } from '@storefront/subgraph-server';
import { parse } from 'graphql';
import type { UsersConfig } from './config.js';
import type { Context } from './context.js';
import { createPrisma } from './db.js';
import { createLoaders } from './loaders.js';
import { resolvers } from './resolvers/index.js';
import { UsersService } from './service.js';

const typeDefs = parse(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

export interface UsersServerOptions {
  config: UsersConfig;
  databaseUrl: string;
  poolMax?: number;
  logger?: Logger;
}

/** The users subgraph, ready to listen; tests build it without opening a fixed port. */
export function createUsersServer({
  config,
  databaseUrl,
  poolMax,
  logger = createLogger('users', config.LOG_LEVEL),
}: UsersServerOptions) {
  const metrics = createMetrics('users');
  const { prisma, pool } = createPrisma(databaseUrl, subgraphPoolOptions(metrics, logger, poolMax ?? config.DATABASE_POOL_MAX));
  const endedSessions = SessionRevocations.fromConfig(config, logger);
  const users = new UsersService(
    prisma,
    {
      jwtSecret: config.JWT_SECRET,
      accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlDays: config.REFRESH_TOKEN_TTL_DAYS,
      scryptCost: config.SCRYPT_COST,
    },
    endedSessions,
  );
  const rateLimitStore = new RateLimitStore(config.redis);
  const loginAttempts = new LoginAttemptLimiter({
    store: rateLimitStore,
    name: 'users',
    keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
    perAccount: config.LOGIN_ATTEMPTS_PER_ACCOUNT,
    perIp: config.LOGIN_ATTEMPTS_PER_IP,
    windowSeconds: config.LOGIN_ATTEMPTS_WINDOW_SECONDS,
    rejections: metrics.rateLimited,
    httpStatus: false,
  });
  const server = createSubgraphServer<Context>({
    typeDefs,
    resolvers,
    settings: config,
    logger,
    metrics,
    database: { pool, disconnect: () => prisma.$disconnect(), migrations: migrationReadiness('users', pool, { logger }) },
    context: () => ({
      loaders: createLoaders(prisma, metrics.dataloaderBatchSize),
      users,
      loginAttempts,
    }),
    onStop: async () => {
      await rateLimitStore.close();
      await endedSessions.close();
    },
  });
  return { ...server, prisma, metrics, logger };
}
