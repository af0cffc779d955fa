import { catalogEvents, type CatalogEventPayload } from '@storefront/catalog-events';
import type { Envelope } from '@storefront/events';
import type { Prisma } from './generated/prisma/client.js';

export type ProductChange = CatalogEventPayload<'ProductChanged'>['changes'][number];

/** `ProductChanged` for one product; the stock level travels with it when stock changed. */
export function productChanged(
  product: { id: string; stockQuantity: number },
  changes: readonly ProductChange[],
  requestId?: string,
): Envelope<CatalogEventPayload<'ProductChanged'>> {
  return catalogEvents.event(
    'ProductChanged',
    {
      productId: product.id,
      changes: [...changes],
      ...(changes.includes('stock') ? { stockQuantity: product.stockQuantity } : {}),
    },
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
