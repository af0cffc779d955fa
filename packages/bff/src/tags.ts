/**
 * The cache tags of the BFFs' response cache: every cached response carries the tags of the
 * entities it was built from, and a change to one of them (a BFF mutation, a domain event, see
 * invalidation.ts) drops the responses carrying its tag. Resolvers and invalidation name tags
 * only through `tags`, so the two sides cannot drift apart. Tags are shared by every BFF on
 * the same store: a product changed through web also clears mobile's entries.
 */
export type CacheTag = `product:${string}` | `order:${string}` | `user:${string}` | 'catalog' | 'categories';

export const tags = {
  /** Every response showing this product. */
  product: (id: string): CacheTag => `product:${id}`,
  /** Every response showing this order. */
  order: (id: string): CacheTag => `order:${id}`,
  /** The user's own responses (viewer, their order history): PRIVATE entries carry it always. */
  user: (id: string): CacheTag => `user:${id}`,
  /** Listings and searches, which a product can enter or leave (a new name or price). */
  catalog: 'catalog',
  /** The category list. */
  categories: 'categories',
} as const satisfies Record<string, CacheTag | ((id: string) => CacheTag)>;
