import { isUuid } from '@storefront/resolver-kit';
import type { ProductResolvers } from '../generated/graphql.js';

export const Product: ProductResolvers = {
  __resolveReference: ({ id }, { loaders }) => (isUuid(id) ? loaders.productById.load(id) : null),
  price: (product) => ({ amount: product.priceAmount, currency: product.currency }),
  images: async (product, _args, { loaders }) =>
    (await loaders.imagesByProductId.load(product.id)).map(({ url, width, height, alt }) => ({ url, width, height, alt })),
  inStock: (product) => product.stockQuantity > 0,
  category: async (product, _args, { loaders }) => {
    const category = await loaders.categoryById.load(product.categoryId);
    // The foreign key guarantees it; a miss means the database is inconsistent.
    if (!category) throw new Error(`Category ${product.categoryId} of product ${product.id} is missing.`);
    return category;
  },
  related: (product, { first }, { catalog, loaders }) => catalog.related(product, first, loaders),
};
