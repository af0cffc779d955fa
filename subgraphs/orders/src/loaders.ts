import type { Cursor } from '@storefront/subgraph-server';
import DataLoader from 'dataloader';
import { measuredBatch, type ServiceMetrics } from '@storefront/http-server';
import type { Order, OrderItem, PrismaClient } from './generated/prisma/client.js';

/** One page of a buyer's orders, newest first: `take` rows after `after`. */
interface BuyerPageKey {
  buyerId: string;
  /** Page size plus one, to tell whether there is a next page. */
  take: number;
  after: Cursor | undefined;
}

interface BuyerPage {
  rows: Order[];
  totalCount: number;
}

export interface Loaders {
  orderById: DataLoader<string, Order | null>;
  itemsByOrderId: DataLoader<string, OrderItem[]>;
  ordersByBuyer: DataLoader<BuyerPageKey, BuyerPage, string>;
}

/** Fresh per request, so batching and caching never cross callers. */
export function createLoaders(prisma: PrismaClient, batchSizes?: ServiceMetrics['dataloaderBatchSize']): Loaders {
  const measured = <Keys extends ReadonlyArray<unknown>, Result>(name: string, batch: (keys: Keys) => Result) =>
    measuredBatch(batchSizes, name, batch);
  const orderById = new DataLoader<string, Order | null>(
    measured('orderById', async (ids: readonly string[]) => {
      const rows = await prisma.order.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  );

  const itemsByOrderId = new DataLoader<string, OrderItem[]>(
    measured('itemsByOrderId', async (orderIds: readonly string[]) => {
      const rows = await prisma.orderItem.findMany({
        where: { orderId: { in: [...orderIds] } },
        orderBy: [{ orderId: 'asc' }, { position: 'asc' }],
      });
      const byOrder = new Map<string, OrderItem[]>();
      for (const row of rows) {
        const list = byOrder.get(row.orderId);
        if (list) list.push(row);
        else byOrder.set(row.orderId, [row]);
      }
      return orderIds.map((id) => byOrder.get(id) ?? []);
    }),
  );

  const ordersByBuyer = new DataLoader<BuyerPageKey, BuyerPage, string>(
    measured('ordersByBuyer', async (keys: readonly BuyerPageKey[]) => {
      const [pages, counts] = await Promise.all([buyerPages(prisma, keys), buyerCounts(prisma, keys)]);
      return keys.map((key, index) => {
        const rows = pages.get(index) ?? [];
        for (const row of rows) orderById.prime(row.id, row);
        return { rows, totalCount: counts.get(key.buyerId) ?? 0 };
      });
    }),
    { cacheKeyFn: (key) => `${key.buyerId}|${key.take}|${key.after ? `${key.after.at.toISOString()}|${key.after.id}` : ''}` },
  );

  return { orderById, itemsByOrderId, ordersByBuyer };
}

interface PageRow extends Order {
  idx: number;
}

/**
 * Every requested page in one statement: each key becomes a row of a JSON recordset and a
 * LATERAL subquery reads that buyer's newest orders after its cursor (an index range scan on
 * buyer_id, placed_at, id), however many buyers the gateway asks about at once.
 */
async function buyerPages(prisma: PrismaClient, keys: readonly BuyerPageKey[]): Promise<Map<number, Order[]>> {
  const specs = JSON.stringify(
    keys.map((key, idx) => ({
      idx,
      buyer_id: key.buyerId,
      lim: key.take,
      after_at: key.after?.at.toISOString() ?? null,
      after_id: key.after?.id ?? null,
    })),
  );
  const rows = await prisma.$queryRaw<PageRow[]>`
    SELECT k.idx, o.id, o.number, o.buyer_id AS "buyerId", o.status::text AS status,
           o.total_amount AS "totalAmount", o.currency, o.idempotency_key AS "idempotencyKey",
           o.request_hash AS "requestHash", o.cancel_reason AS "cancelReason",
           o.placed_at AS "placedAt", o.updated_at AS "updatedAt"
    FROM jsonb_to_recordset(${specs}::jsonb) AS k(idx int, buyer_id uuid, lim int, after_at timestamptz, after_id uuid)
    CROSS JOIN LATERAL (
      SELECT * FROM orders
      WHERE orders.buyer_id = k.buyer_id
        AND (k.after_at IS NULL OR (orders.placed_at, orders.id) < (k.after_at, k.after_id))
      ORDER BY orders.placed_at DESC, orders.id DESC
      LIMIT k.lim
    ) o
    ORDER BY k.idx, o.placed_at DESC, o.id DESC`;
  const pages = new Map<number, Order[]>();
  for (const { idx, ...order } of rows) {
    const list = pages.get(idx);
    if (list) list.push(order);
    else pages.set(idx, [order]);
  }
  return pages;
}

/** Each buyer's number of orders, in one grouped count. */
async function buyerCounts(prisma: PrismaClient, keys: readonly BuyerPageKey[]): Promise<Map<string, number>> {
  const buyerIds = [...new Set(keys.map((key) => key.buyerId))];
  const groups = await prisma.order.groupBy({ by: ['buyerId'], where: { buyerId: { in: buyerIds } }, _count: { _all: true } });
  return new Map(groups.map((group) => [group.buyerId, group._count._all]));
}
