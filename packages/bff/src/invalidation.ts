import { catalogEvents } from '@storefront/catalog-events';
import type { EventBus, Envelope, Subscription } from '@storefront/events';
import { orderEvents } from '@storefront/orders-events';
import type { Logger } from 'pino';
import type { ResponseCache } from './response-cache.js';
import { tags, type CacheTag } from './tags.js';

/** The cache tags an event makes stale; none for events no BFF response is built from. */
export function staleTags(event: Envelope): CacheTag[] {
  if (event.type === 'ProductChanged') {
    const { productId, changes } = catalogEvents.payloadOf(event, 'ProductChanged');
    // A new name or price can move it into listings and searches that did not show it.
    return changes.includes('stock') && changes.length === 1
      ? [tags.product(productId)]
      : [tags.product(productId), tags.catalog];
  }
  if (orderEvents.has(event.type)) {
    const { orderId, buyerId } = orderEvents.payloadOf(event, event.type);
    return [tags.user(buyerId), tags.order(orderId)];
  }
  return [];
}

/**
 * Keeps a BFF's response cache true to the domains: product changes (stock, price,
 * content) drop every response built from that product, order changes drop the buyer's
 * own responses and that order's. Each BFF type is a consumer group of its own, so every
 * type hears every event while its instances share the work.
 */
export function startCacheInvalidation(options: {
  bus: EventBus;
  cache: ResponseCache;
  consumer: string;
  streamPrefix?: string;
  logger: Logger;
  retryAfterMs?: number;
}): Subscription {
  const handler = async (event: Envelope) => {
    const stale = staleTags(event);
    if (stale.length === 0) return;
    const dropped = await options.cache.invalidate(stale);
    options.logger.debug({ eventId: event.id, type: event.type, tags: stale, dropped }, 'cache entries invalidated');
  };
  const subscriptions = [orderEvents.stream(options.streamPrefix), catalogEvents.stream(options.streamPrefix)].map((stream) =>
    options.bus.subscribe({
      stream,
      group: `bff-${options.cache.clientType}`,
      consumer: options.consumer,
      handler,
      ...(options.retryAfterMs ? { retryAfterMs: options.retryAfterMs } : {}),
    }),
  );
  return {
    stop: async () => {
      await Promise.all(subscriptions.map((subscription) => subscription.stop()));
    },
  };
}
