import type { OrderResolvers } from '../generated/graphql.js';
import { formatOrderNumber } from '../lines.js';

export const Order: OrderResolvers = {
  // Same visibility as Query.order, whoever the gateway resolves the reference for.
  __resolveReference: ({ id }, { viewer, loaders, orders }) => orders.orderFor(viewer, id, loaders),
  number: (order) => formatOrderNumber(order.number),
  total: (order) => ({ amount: order.totalAmount, currency: order.currency }),
  // Every order of the request shares one query through the loader.
  items: async (order, _args, { loaders }) =>
    (await loaders.itemsByOrderId.load(order.id)).map((item) => ({ ...item, currency: order.currency })),
  itemCount: async (order, _args, { loaders }) =>
    (await loaders.itemsByOrderId.load(order.id)).reduce((sum, item) => sum + item.quantity, 0),
  buyer: (order) => ({ __typename: 'User', id: order.buyerId }),
};
