import DataLoader from 'dataloader';
import type { PrismaClient, User } from './generated/prisma/client.js';

export interface Loaders {
  userById: DataLoader<string, User | null>;
}

/** Fresh per request, so batching and caching never cross callers. */
export function createLoaders(prisma: PrismaClient): Loaders {
  return {
    userById: new DataLoader(async (ids) => {
      const rows = await prisma.user.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
    }),
  };
}
