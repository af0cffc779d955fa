import type { OrderSummaryResolvers } from '../generated/graphql.js';
import { moneyLabel } from '../display.js';

export const OrderSummary: OrderSummaryResolvers = {
  totalLabel: (order, _args, { locale }) => moneyLabel(order.total, locale),
};
