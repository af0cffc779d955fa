import { isUuid } from '@storefront/resolver-kit';
import type { CategoryResolvers } from '../generated/graphql.js';

export const Category: CategoryResolvers = {
  __resolveReference: ({ id }, { loaders }) => (isUuid(id) ? loaders.categoryById.load(id) : null),
  productCount: (category, _args, { loaders }) => loaders.productCountByCategoryId.load(category.id),
  products: (category, args, { catalog, loaders }) => catalog.categoryProducts(category, args, loaders),
};
