import { EVENT_VERSION, envelope, type Envelope, type EventPayload, type EventType } from '@storefront/events';
import type { Prisma } from './generated/prisma/client.js';

export type ProductChange = EventPayload<'ProductChanged'>['changes'][number];

/** An event catalog publishes, in the envelope every consumer expects. */
export function catalogEvent<Type extends EventType>(type: Type, payload: EventPayload<Type>, requestId?: string): Envelope<EventPayload<Type>> {
  return envelope(type, payload, { version: EVENT_VERSION, ...(requestId ? { requestId } : {}) });
}

/** `ProductChanged` for one product; the stock level travels with it when stock changed. */
export function productChanged(
  product: { id: string; stockQuantity: number },
  changes: readonly ProductChange[],
  requestId?: string,
): Envelope<EventPayload<'ProductChanged'>> {
  return catalogEvent(
    'ProductChanged',
    { productId: product.id, changes: [...changes], ...(changes.includes('stock') ? { stockQuantity: product.stockQuantity } : {}) },
    requestId,
  );
}

/**
 * Writes events to the outbox inside the caller's transaction, so they exist exactly when
 * the change they describe committed; the relay publishes them to `stream` afterwards.
 * Rows of one statement get increasing `sequence` values in the order given.
 */
export async function writeOutbox(tx: Prisma.TransactionClient, stream: string, events: readonly Envelope[]): Promise<void> {
  if (events.length === 0) return;
  await tx.outboxEvent.createMany({
    data: events.map((event) => ({ id: event.id, stream, event: event as unknown as Prisma.InputJsonValue })),
  });
}
