import { formatMoney } from '@storefront/bff';
import type { MoneyResolvers } from '../generated/graphql.js';

export const Money: MoneyResolvers = {
  formatted: (money, _args, { locale }) => formatMoney(money.amount, money.currency, locale),
};
