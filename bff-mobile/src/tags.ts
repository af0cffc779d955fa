import { tags, type CacheTag } from '@storefront/bff';
import type { MobileContext } from './context.js';
import type { GatewayOrderSummary, GatewayProductTile } from './gateway.js';

/**
 * Cache tags of the entities a response was built from: when one of them changes, the
 * cached responses carrying its tag are dropped (see responseCachePlugin). The tags are the
 * web BFF's, on the same store, so a product changed through web also clears mobile's entries.
 */
export function tagProducts(context: MobileContext, products: ReadonlyArray<GatewayProductTile | null | undefined>): void {
  for (const product of products) if (product) context.cacheTags.add(tags.product(product.id));
}

export function tagOrders(context: MobileContext, orders: readonly GatewayOrderSummary[]): void {
  for (const order of orders) {
    context.cacheTags.add(tags.order(order.id));
    context.cacheTags.add(tags.user(order.buyer.id));
  }
}

/** Drops cached responses after a change made through this BFF. */
export async function invalidate(context: MobileContext, stale: CacheTag[]): Promise<void> {
  await context.store.invalidate(stale).catch((error: unknown) => {
    // Stale entries then expire with their TTL; the mutation itself succeeded.
    context.logger?.warn({ err: error, tags: stale }, 'cache invalidation failed');
  });
}
