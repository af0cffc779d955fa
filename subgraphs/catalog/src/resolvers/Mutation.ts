import type { MutationResolvers } from '../generated/graphql.js';

export const Mutation: MutationResolvers = {
  createProduct: (_parent, { input }, { viewer, catalog, loaders }) => catalog.createProduct(viewer, input, loaders),
  updateProduct: (_parent, { id, input }, { viewer, catalog, loaders }) => catalog.updateProduct(viewer, id, input, loaders),
  adjustStock: (_parent, { id, delta }, { viewer, catalog, loaders }) => catalog.adjustStock(viewer, id, delta, loaders),
};
