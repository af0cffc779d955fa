import { PrismaPg } from '@prisma/adapter-pg';
import { createPool } from '@storefront/db';
import { PrismaClient } from './generated/prisma/client.js';

export type { PrismaClient };

export function createPrisma(url: string, options: { max: number; onStatement?: () => void }) {
  const pool = createPool(url, options);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return { prisma, pool };
}
