import { assertSeedAllowed, stableId } from '@storefront/seed-data';
import { orders } from './seed-data.js';
import type { PrismaClient } from './generated/prisma/client.js';
import { requestHash } from './lines.js';
import { outboxEvent } from './outbox.js';

/**
 * Writes the seed orders with their lines in one transaction; a no-op when any order exists,
 * so restarts keep data. Numbers follow the seed's order (SF-000001 is ada's first). A PENDING
 * order gets its OrderPlaced event on `eventStream` in the same transaction, as placeOrder
 * writes it, so it is confirmed (stock reserved) or refused like any order instead of
 * waiting for good.
 */
export async function seedOrdersIfEmpty(prisma: PrismaClient, eventStream: string): Promise<boolean> {
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
  const placed = orders
    .filter((order) => order.status === 'PENDING')
    .map((order) =>
      outboxEvent(
        eventStream,
        'OrderPlaced',
        {
          orderId: order.id,
          buyerId: order.buyerId,
          lines: order.lines.map(({ productId, quantity }) => ({ productId, quantity })),
        },
        undefined,
      ),
    );
  await prisma.$transaction([
    prisma.order.createMany({ data: rows, skipDuplicates: true }),
    prisma.orderItem.createMany({ data: items, skipDuplicates: true }),
    ...placed.map((event) => prisma.outboxEvent.create({ data: event, select: { id: true } })),
  ]);
  return true;
}
