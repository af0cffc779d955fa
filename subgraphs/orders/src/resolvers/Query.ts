import type { QueryResolvers } from '../generated/graphql.js';

export const Query: QueryResolvers = {
  order: (_parent, { id }, { viewer, loaders, orders }) => orders.orderFor(viewer, id, loaders),
  orders: (_parent, { first, after, status }, { viewer, loaders, orders }) =>
    orders.allOrders(viewer, { first, after, status }, loaders),
};
