import { catalogEvents } from '@storefront/catalog-events';
import type { Envelope } from '@storefront/events';
import { orderEvents } from '@storefront/orders-events';
import { Prisma, type PrismaClient } from './generated/prisma/client.js';
import { productChanged, writeOutbox } from './outbox.js';

/** What applying one event did, for logs and `events_processed_total{outcome}`. */
export type ReservationOutcome =
  /** Every line was taken from stock; `StockReserved` is on its way. */
  | 'reserved'
  /** Not enough stock (or an unknown product); nothing changed; `StockReservationFailed` is on its way. */
  | 'rejected'
  /** A reservation was cancelled and its stock given back. */
  | 'released'
  /** A cancellation arrived before its order: a tombstone keeps the late OrderPlaced from applying. */
  | 'tombstone'
  /** The order already has a reservation record (e.g. a tombstone); nothing to do. */
  | 'skipped'
  /** Cancelled, but nothing was reserved (rejected or released before). */
  | 'nothing-to-release'
  /** This event id was applied before: a redelivery. */
  | 'duplicate';

interface ReservationLine {
  productId: string;
  quantity: number;
}

interface LockedProduct {
  id: string;
  name: string;
  stockQuantity: number;
}

/** Transactions wait for row locks held by concurrent reservations and admin edits. */
const TRANSACTION = { maxWait: 10_000, timeout: 30_000 } as const;

/**
 * Stock reservations driven by the orders stream. Each event is applied in ONE transaction
 * together with its id in `processed_events`, so a redelivered event changes nothing, and
 * with the events it causes in the outbox, so they exist exactly when the change does.
 * Products are locked in id order (FOR UPDATE) before any stock changes, so concurrent
 * reservations of overlapping products serialise without deadlocks and stock never goes
 * below zero (a CHECK constraint backs this up).
 */
export class StockReservations {
  constructor(
    private readonly prisma: PrismaClient,
    /** The catalog stream that `StockReserved`, `StockReservationFailed` and `ProductChanged` go to. */
    private readonly stream: string,
  ) {}

  /** OrderPlaced: reserve every line, or none. A malformed payload throws (the bus retries, then dead-letters it). */
  async orderPlaced(event: Envelope): Promise<ReservationOutcome> {
    const { orderId, lines } = orderEvents.payloadOf(event, 'OrderPlaced');
    const wanted = mergeLines(lines);
    return this.prisma.$transaction(async (tx) => {
      if (!(await firstDelivery(tx, event))) return 'duplicate';
      await lockOrder(tx, orderId);
      if (await tx.stockReservation.findUnique({ where: { orderId }, select: { status: true } })) return 'skipped';

      const products = await lockProducts(
        tx,
        wanted.map((line) => line.productId),
      );
      const shortfall = findShortfall(wanted, products);
      if (shortfall) {
        await tx.stockReservation.create({
          data: { orderId, status: 'REJECTED', lines: toJson(wanted), reason: shortfall.reason },
        });
        await writeOutbox(tx, this.stream, [
          catalogEvents.event(
            'StockReservationFailed',
            { orderId, reason: shortfall.reason, productId: shortfall.productId },
            event.requestId,
          ),
        ]);
        return 'rejected';
      }

      const changed = await addStock(tx, wanted, -1);
      await tx.stockReservation.create({ data: { orderId, status: 'RESERVED', lines: toJson(wanted) } });
      await writeOutbox(tx, this.stream, [
        catalogEvents.event('StockReserved', { orderId }, event.requestId),
        ...changed.map((product) => productChanged(product, ['stock'], event.requestId)),
      ]);
      return 'reserved';
    }, TRANSACTION);
  }

  /** OrderCancelled: give a reservation's stock back once; before the order arrived, leave a tombstone. */
  async orderCancelled(event: Envelope): Promise<ReservationOutcome> {
    const { orderId, reason } = orderEvents.payloadOf(event, 'OrderCancelled');
    return this.prisma.$transaction(async (tx) => {
      if (!(await firstDelivery(tx, event))) return 'duplicate';
      await lockOrder(tx, orderId);
      const reservation = await tx.stockReservation.findUnique({ where: { orderId } });
      if (!reservation) {
        await tx.stockReservation.create({
          data: { orderId, status: 'RELEASED', lines: [], reason: `Cancelled before it was placed: ${reason}` },
        });
        return 'tombstone';
      }
      if (reservation.status !== 'RESERVED') return 'nothing-to-release';

      const lines = mergeLines(reservation.lines as unknown as ReservationLine[]);
      await lockProducts(
        tx,
        lines.map((line) => line.productId),
      );
      const changed = await addStock(tx, lines, 1);
      await tx.stockReservation.update({ where: { orderId }, data: { status: 'RELEASED', reason } });
      await writeOutbox(
        tx,
        this.stream,
        changed.map((product) => productChanged(product, ['stock'], event.requestId)),
      );
      return 'released';
    }, TRANSACTION);
  }
}

/** One line per product (quantities of repeated products added up), in id order. */
function mergeLines(lines: readonly ReservationLine[]): ReservationLine[] {
  const byProduct = new Map<string, number>();
  for (const { productId, quantity } of lines) {
    const id = productId.toLowerCase();
    byProduct.set(id, (byProduct.get(id) ?? 0) + quantity);
  }
  return [...byProduct]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([productId, quantity]) => ({ productId, quantity }));
}

function toJson(lines: readonly ReservationLine[]): Prisma.InputJsonValue {
  return lines.map(({ productId, quantity }) => ({ productId, quantity }));
}

/** Records the event as processed; false when it already was (the insert waits for a concurrent one to commit). */
async function firstDelivery(tx: Prisma.TransactionClient, event: Envelope): Promise<boolean> {
  const inserted = await tx.$executeRaw`
    INSERT INTO processed_events (id, type) VALUES (${event.id}::uuid, ${event.type}) ON CONFLICT (id) DO NOTHING`;
  return inserted === 1;
}

/** Serialises the events of one order (OrderPlaced racing OrderCancelled) until commit. */
async function lockOrder(tx: Prisma.TransactionClient, orderId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${orderId.toLowerCase()}, 0))`;
}

/** Locks the products in id order, the one order every multi-product lock here takes. */
async function lockProducts(tx: Prisma.TransactionClient, ids: readonly string[]): Promise<Map<string, LockedProduct>> {
  const rows = await tx.$queryRaw<LockedProduct[]>`
    SELECT id, name, stock_quantity AS "stockQuantity" FROM products
    WHERE id = ANY(${[...ids]}::uuid[]) ORDER BY id FOR UPDATE`;
  return new Map(rows.map((row) => [row.id, row]));
}

function findShortfall(
  lines: readonly ReservationLine[],
  products: Map<string, LockedProduct>,
): { productId: string; reason: string } | undefined {
  for (const { productId, quantity } of lines) {
    const product = products.get(productId);
    // The reason is shown to the buyer as it is: names, never ids (the event's productId carries the id).
    if (!product) return { productId, reason: 'A product in this order is no longer sold.' };
    if (product.stockQuantity < quantity) {
      return {
        productId,
        reason: `Only ${product.stockQuantity} of "${product.name}" in stock; ${quantity} ordered.`,
      };
    }
  }
  return undefined;
}

/** Adds `sign * quantity` to each line's (locked) product in one statement; returns the new levels. */
async function addStock(
  tx: Prisma.TransactionClient,
  lines: readonly ReservationLine[],
  sign: 1 | -1,
): Promise<Array<{ id: string; stockQuantity: number }>> {
  if (lines.length === 0) return [];
  const rows = await tx.$queryRaw<Array<{ id: string; stockQuantity: number }>>`
    UPDATE products AS p
    SET stock_quantity = p.stock_quantity + ${sign}::int * l.quantity, updated_at = CURRENT_TIMESTAMP
    FROM unnest(${lines.map((line) => line.productId)}::uuid[], ${lines.map((line) => line.quantity)}::int[]) AS l(id, quantity)
    WHERE p.id = l.id
    RETURNING p.id, p.stock_quantity AS "stockQuantity"`;
  return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
