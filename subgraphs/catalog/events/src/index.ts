import { defineEvents, tags, type CacheEffects, type EventPayload, type EventType } from '@storefront/events';
import { z } from 'zod';

/** What the catalog publishes on `catalog.events` (schema version 1). */
export const catalogEvents = defineEvents('catalog.events', {
  /** → orders: every line of the order is reserved. */
  StockReserved: z.object({ orderId: z.uuid() }),
  /** → orders: nothing was reserved; `productId` is a line that could not be served. */
  StockReservationFailed: z.object({ orderId: z.uuid(), reason: z.string(), productId: z.uuid().optional() }),
  /** → BFFs: a product's stock, price or content changed. */
  ProductChanged: z.object({
    productId: z.uuid(),
    changes: z.array(z.enum(['stock', 'price', 'content'])).min(1),
    stockQuantity: z.number().int().min(0).optional(),
  }),
});

export type CatalogEventType = EventType<typeof catalogEvents>;
export type CatalogEventPayload<Type extends CatalogEventType> = EventPayload<typeof catalogEvents, Type>;

/** What the catalog's events make stale in the BFFs' response caches: product changes only. */
export const catalogCacheEffects: CacheEffects = {
  stream: (prefix) => catalogEvents.stream(prefix),
  staleTags(event) {
    if (event.type !== 'ProductChanged') return [];
    const { productId, changes } = catalogEvents.payloadOf(event, 'ProductChanged');
    // A new name or price can move it into listings and searches that did not show it.
    return changes.includes('stock') && changes.length === 1
      ? [tags.product(productId)]
      : [tags.product(productId), tags.listings];
  },
};
