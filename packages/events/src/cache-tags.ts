import type { Envelope } from './envelope.js';

/**
 * The cache tags of the BFFs' response cache: every cached response carries the tags of the
 * entities it was built from, and a change to one of them (a BFF mutation, a domain event)
 * drops the responses carrying its tag. They live beside the event contracts so that each
 * domain's contract package can say which tags its events make stale (its `CacheEffects`),
 * while resolvers tag responses with the same `tags`: the two sides cannot drift apart. Tags
 * are shared by every BFF on the same store: a product changed through web also clears
 * mobile's entries.
 */
export type CacheTag = `product:${string}` | `order:${string}` | `user:${string}` | 'listings' | 'categories';

export const tags = {
  /** Every response showing this product. */
  product: (id: string): CacheTag => `product:${id}`,
  /** Every response showing this order. */
  order: (id: string): CacheTag => `order:${id}`,
  /** The user's own responses (viewer, their order history): PRIVATE entries carry it always. */
  user: (id: string): CacheTag => `user:${id}`,
  /** Listings and searches, which a product can enter or leave (a new name or price). */
  listings: 'listings',
  /** The category list. */
  categories: 'categories',
} as const satisfies Record<string, CacheTag | ((id: string) => CacheTag)>;

/**
 * What one domain's events do to the BFFs' response caches, as its contract package states it:
 * the stream they come on, and the tags each event makes stale (none for an event no response
 * is built from). A BFF follows the domains whose effects it is handed.
 */
export interface CacheEffects {
  stream(prefix?: string): string;
  staleTags(event: Envelope): CacheTag[];
}
