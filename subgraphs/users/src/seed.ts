import { assertSeedAllowed } from '@storefront/seed-data';
import { users } from './seed-data.js';
import type { PrismaClient } from './generated/prisma/client.js';
import { hashPassword } from './passwords.js';

/** Writes the seed accounts; a no-op when any account exists, so restarts keep data. */
export async function seedUsersIfEmpty(prisma: PrismaClient, scryptCost: number): Promise<boolean> {
  assertSeedAllowed();
  if ((await prisma.user.count()) > 0) return false;
  const rows = await Promise.all(
    users.map(async ({ password, ...user }) => ({ ...user, passwordHash: await hashPassword(password, scryptCost) })),
  );
  await prisma.user.createMany({ data: rows, skipDuplicates: true });
  return true;
}
