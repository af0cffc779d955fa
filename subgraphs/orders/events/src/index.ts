import { defineEvents, tags, type CacheEffects, type EventPayload, type EventType } from '@storefront/events';
import { z } from 'zod';

const line = z.object({ productId: z.uuid(), quantity: z.number().int().positive() });

/** What orders publishes on `orders.events` (schema version 1). */
export const orderEvents = defineEvents('orders.events', {
  /** → catalog (reserve stock), BFFs (the buyer's cached orders). */
  OrderPlaced: z.object({ orderId: z.uuid(), buyerId: z.uuid(), lines: z.array(line).min(1) }),
  /** → catalog (release reserved stock), BFFs. */
  OrderCancelled: z.object({ orderId: z.uuid(), buyerId: z.uuid(), reason: z.string() }),
  /** → BFFs: stock was reserved, the order is CONFIRMED. */
  OrderConfirmed: z.object({ orderId: z.uuid(), buyerId: z.uuid() }),
  /** → BFFs: stock ran out, the order is CANCELLED with `reason`. */
  OrderRejected: z.object({ orderId: z.uuid(), buyerId: z.uuid(), reason: z.string() }),
});

export type OrderEventType = EventType<typeof orderEvents>;
export type OrderEventPayload<Type extends OrderEventType> = EventPayload<typeof orderEvents, Type>;

/** What orders' events make stale in the BFFs' response caches: the buyer's own responses and the order's. */
export const orderCacheEffects: CacheEffects = {
  stream: (prefix) => orderEvents.stream(prefix),
  staleTags(event) {
    if (!orderEvents.has(event.type)) return [];
    const { orderId, buyerId } = orderEvents.payloadOf(event, event.type);
    return [tags.user(buyerId), tags.order(orderId)];
  },
};
