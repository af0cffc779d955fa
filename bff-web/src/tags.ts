import { tags, type CacheTag } from '@storefront/bff';
import type { WebContext } from './context.js';
import type { GatewayOrder, GatewayProduct } from './gateway.js';

/**
 * Cache tags of the entities a response was built from: when one of them changes, the
 * cached responses carrying its tag are dropped (see responseCachePlugin).
 */
export function tagProducts(context: WebContext, products: ReadonlyArray<GatewayProduct | null | undefined>): void {
  // A product the gateway could not fill is the error reported in its place (see splitBatchResult).
  for (const product of products) if (product && !(product instanceof Error)) context.cacheTags.add(tags.product(product.id));
}

export function tagOrder(context: WebContext, order: GatewayOrder | null): void {
  if (!order) return;
  context.cacheTags.add(tags.order(order.id));
  context.cacheTags.add(tags.user(order.buyer.id));
  tagProducts(
    context,
    order.items.map((item) => item.product),
  );
}

/** Drops cached responses after a change made through this BFF. */
export async function invalidate(context: WebContext, stale: CacheTag[]): Promise<void> {
  await context.store.invalidate(stale).catch((error: unknown) => {
    // Stale entries then expire with their TTL; the mutation itself succeeded.
    context.logger?.warn({ err: error, tags: stale }, 'cache invalidation failed');
  });
}
