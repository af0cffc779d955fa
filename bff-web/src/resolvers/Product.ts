import { readRoot } from '@storefront/bff';
import type { ProductResolvers } from '../generated/graphql.js';
import { ReadRelatedDocument } from '../gateway.js';
import { tagProducts } from '../tags.js';

export const Product: ProductResolvers = {
  image: (product) => product.images[0] ?? null,
  stock: (product) => ({ available: product.inStock, quantity: product.stockQuantity }),
  // Every product of a page asks in the same tick: one gateway call for all of them.
  related: async (product, { first }, context) => {
    const found = await readRoot(context.batch, ReadRelatedDocument, { id: product.id, first });
    const related = found?.related ?? [];
    tagProducts(context, related);
    return related;
  },
};
