import { PrismaPg } from '@prisma/adapter-pg';
import { createPool, transactionOptions, type PoolOptions } from '@storefront/db';
import { PrismaClient } from './generated/prisma/client.js';

export function createPrisma(url: string, options: PoolOptions) {
  const pool = createPool(url, options);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions });
  return { prisma, pool };
}
