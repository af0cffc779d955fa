import DataLoader from 'dataloader';
import { measuredBatch, type ServiceMetrics } from '@storefront/http-server';
import type { PrismaClient, User } from './generated/prisma/client.js';

export interface Loaders {
  userById: DataLoader<string, User | null>;
}

/** Fresh per request, so batching and caching never cross callers. */
export function createLoaders(prisma: PrismaClient, batchSizes?: ServiceMetrics['dataloaderBatchSize']): Loaders {
  const measured = <Keys extends ReadonlyArray<unknown>, Result>(name: string, batch: (keys: Keys) => Result) =>
    measuredBatch(batchSizes, name, batch);
  return {
    userById: new DataLoader(
      measured('userById', async (ids: readonly string[]) => {
        const rows = await prisma.user.findMany({ where: { id: { in: [...ids] } } });
        const byId = new Map(rows.map((row) => [row.id, row]));
        return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
      }),
    ),
  };
}
