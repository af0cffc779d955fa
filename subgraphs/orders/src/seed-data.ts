import { products } from '@storefront/catalog/seed-data';
import { stableId } from '@storefront/seed-data';
import { ada, grace } from '@storefront/users/seed-data';

/**
 * The orders of the development seed (README → Seed data), written by seed.ts: the seed
 * users' orders of seed products, their ids and prices taken from those subgraphs' seed data.
 */
export interface SeedOrder {
  id: string;
  buyerId: string;
  status: 'PENDING' | 'CONFIRMED' | 'CANCELLED' | 'SHIPPED';
  idempotencyKey: string;
  placedAt: Date;
  lines: Array<{ productId: string; quantity: number; unitPriceAmount: number }>;
}

/** A line of `quantity` of the `productNumber`th seed product (1-based), at its seed price. */
function line(productNumber: number, quantity: number) {
  const product = products[productNumber - 1]!;
  return { productId: product.id, quantity, unitPriceAmount: product.priceAmount };
}

const buyers = { ada, grace };

/** The `number`th order of a seed user; its id and idempotency key follow from both. */
function order(
  buyer: keyof typeof buyers,
  number: number,
  status: SeedOrder['status'],
  placedAt: Date,
  lines: SeedOrder['lines'],
): SeedOrder {
  return {
    id: stableId(`order:${buyer}:${number}`),
    buyerId: buyers[buyer].id,
    status,
    idempotencyKey: `seed-${buyer}-${number}`,
    placedAt,
    lines,
  };
}

/** ada has 3 orders, grace has 1. */
export const orders: readonly SeedOrder[] = [
  order('ada', 1, 'SHIPPED', new Date(Date.UTC(2026, 8, 3, 10)), [line(1, 1), line(22, 2)]),
  order('ada', 2, 'CONFIRMED', new Date(Date.UTC(2026, 9, 14, 16)), [line(45, 1), line(61, 1), line(83, 3)]),
  order('ada', 3, 'PENDING', new Date(Date.UTC(2026, 10, 20, 9)), [line(102, 1)]),
  order('grace', 1, 'CONFIRMED', new Date(Date.UTC(2026, 10, 2, 12)), [line(5, 2), line(30, 1)]),
];
