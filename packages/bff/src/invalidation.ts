import type { CacheEffects, EventBus, Envelope, Subscription } from '@storefront/events';
import type { Logger } from 'pino';
import type { ResponseCache } from './response-cache.js';

/**
 * Keeps a BFF's response cache true to the domains: each followed domain's events drop the
 * responses built from what they changed, as its contract package states (`CacheEffects`:
 * e.g. a product's change drops every response showing it, an order's the buyer's own
 * responses). Each BFF type is a consumer group of its own, so every type hears every event
 * while its instances share the work.
 */
export function startCacheInvalidation(options: {
  bus: EventBus;
  cache: ResponseCache;
  /** The domains whose events make cached responses stale. */
  domains: readonly CacheEffects[];
  consumer: string;
  streamPrefix?: string | undefined;
  logger: Logger;
  retryAfterMs?: number;
}): Subscription {
  const subscriptions = options.domains.map((domain) =>
    options.bus.subscribe({
      stream: domain.stream(options.streamPrefix),
      group: `bff-${options.cache.clientType}`,
      consumer: options.consumer,
      handler: async (event: Envelope) => {
        const stale = domain.staleTags(event);
        if (stale.length === 0) return;
        const dropped = await options.cache.invalidate(stale);
        options.logger.debug({ eventId: event.id, type: event.type, tags: stale, dropped }, 'cache entries invalidated');
      },
      ...(options.retryAfterMs ? { retryAfterMs: options.retryAfterMs } : {}),
    }),
  );
  return {
    stop: async () => {
      await Promise.all(subscriptions.map((subscription) => subscription.stop()));
    },
  };
}
