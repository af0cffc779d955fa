import type { UserResolvers } from '../generated/graphql.js';

export const User: UserResolvers = {
  // The users subgraph owns users; here a user is its id, and orders are who may see them.
  __resolveReference: (reference) => reference,
  orders: (user, { first, after }, { viewer, loaders, orders }) => orders.ordersOf(viewer, user.id, { first, after }, loaders),
};
