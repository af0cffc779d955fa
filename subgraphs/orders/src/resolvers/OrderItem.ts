import type { OrderItemResolvers } from '../generated/graphql.js';

export const OrderItem: OrderItemResolvers = {
  product: (item) => ({ __typename: 'Product', id: item.productId }),
  unitPrice: (item) => ({ amount: item.unitPriceAmount, currency: item.currency }),
  lineTotal: (item) => ({ amount: item.unitPriceAmount * item.quantity, currency: item.currency }),
};
