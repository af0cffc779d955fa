import { assertSeedAllowed, orders, stableId } from '@storefront/seed-data';
import type { PrismaClient } from './generated/prisma/client.js';
import { requestHash } from './lines.js';

/**
 * Writes the seed orders with their lines in one transaction; a no-op when any order exists,
 * so restarts keep data. Numbers follow the seed's order (SF-000001 is ada's first).
 */
export async function seedOrdersIfEmpty(prisma: PrismaClient): Promise<boolean> {
  assertSeedAllowed();
  if ((await prisma.order.count()) > 0) return false;
  const rows = orders.map((order) => ({
    id: order.id,
    buyerId: order.buyerId,
    status: order.status,
    totalAmount: order.lines.reduce((sum, line) => sum + line.quantity * line.unitPriceAmount, 0),
    currency: 'USD',
    idempotencyKey: order.idempotencyKey,
    requestHash: requestHash(order.lines),
    placedAt: order.placedAt,
    updatedAt: order.placedAt,
  }));
  const items = orders.flatMap((order) =>
    order.lines.map((line, position) => ({
      id: stableId(`${order.id}:line:${position}`),
      orderId: order.id,
      productId: line.productId,
      quantity: line.quantity,
      unitPriceAmount: line.unitPriceAmount,
      position,
    })),
  );
  await prisma.$transaction([
    prisma.order.createMany({ data: rows, skipDuplicates: true }),
    prisma.orderItem.createMany({ data: items, skipDuplicates: true }),
  ]);
  return true;
}
