import type { MutationResolvers } from '../generated/graphql.js';

export const Mutation: MutationResolvers = {
  createProduct: (_parent, { input }, { viewer, catalog, loaders, requestId }) =>
    catalog.createProduct(viewer, input, loaders, requestId),
  updateProduct: (_parent, { id, input }, { viewer, catalog, loaders, requestId }) =>
    catalog.updateProduct(viewer, id, input, loaders, requestId),
  adjustStock: (_parent, { id, delta }, { viewer, catalog, loaders, requestId }) =>
    catalog.adjustStock(viewer, id, delta, loaders, requestId),
};
