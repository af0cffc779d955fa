import type { QueryResolvers } from '../generated/graphql.js';

export const Query: QueryResolvers = {
  product: (_parent, args, { catalog, loaders }) => catalog.product(args, loaders),
  products: (_parent, { filter, first, after }, { catalog, loaders }) => catalog.products(filter, first, after, loaders),
  categories: (_parent, _args, { catalog, loaders }) => catalog.categories(loaders),
  category: (_parent, args, { catalog, loaders }) => catalog.category(args, loaders),
};
