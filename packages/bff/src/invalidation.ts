import { payloadOf, streamNames, type EventBus, type Envelope, type Subscription } from '@storefront/events';
import type { Logger } from 'pino';
import type { CacheStore } from './cache-store.js';

/** The cache tags an event makes stale; none for events no BFF response is built from. */
export function staleTags(event: Envelope): string[] {
  switch (event.type) {
    case 'ProductChanged': {
      const { productId, changes } = payloadOf(event, 'ProductChanged');
      // A new name or price can move it into listings and searches that did not show it.
      return changes.includes('stock') && changes.length === 1 ? [`product:${productId}`] : [`product:${productId}`, 'catalog'];
    }
    case 'OrderPlaced':
    case 'OrderCancelled':
    case 'OrderConfirmed':
    case 'OrderRejected': {
      const { orderId, buyerId } = payloadOf(event, event.type);
      return [`user:${buyerId}`, `order:${orderId}`];
    }
    default:
      return [];
  }
}

/**
 * Keeps a BFF's response cache true to the domains: product changes (stock, price,
 * content) drop every response built from that product, order changes drop the buyer's
 * viewer/home/orders responses. Each BFF type is a consumer group of its own, so every
 * type hears every event while its instances share the work.
 */
export function startCacheInvalidation(options: {
  bus: EventBus;
  store: CacheStore;
  clientType: string;
  consumer: string;
  streamPrefix?: string;
  logger: Logger;
  retryAfterMs?: number;
}): Subscription {
  const streams = streamNames(options.streamPrefix);
  const handler = async (event: Envelope) => {
    const tags = staleTags(event);
    if (tags.length === 0) return;
    const dropped = await options.store.invalidate(tags);
    options.logger.debug({ eventId: event.id, type: event.type, tags, dropped }, 'cache entries invalidated');
  };
  const subscriptions = [streams.orders, streams.catalog].map((stream) =>
    options.bus.subscribe({
      stream,
      group: `bff-${options.clientType}`,
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
