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

/** ada has 3 orders, grace has 1. */
export const orders: readonly SeedOrder[] = [
  {
    id: stableId('order:ada:1'),
    buyerId: ada.id,
    status: 'SHIPPED',
    idempotencyKey: 'seed-ada-1',
    placedAt: new Date(Date.UTC(2026, 8, 3, 10)),
    lines: [line(1, 1), line(22, 2)],
  },
  {
    id: stableId('order:ada:2'),
    buyerId: ada.id,
    status: 'CONFIRMED',
    idempotencyKey: 'seed-ada-2',
    placedAt: new Date(Date.UTC(2026, 9, 14, 16)),
    lines: [line(45, 1), line(61, 1), line(83, 3)],
  },
  {
    id: stableId('order:ada:3'),
    buyerId: ada.id,
    status: 'PENDING',
    idempotencyKey: 'seed-ada-3',
    placedAt: new Date(Date.UTC(2026, 10, 20, 9)),
    lines: [line(102, 1)],
  },
  {
    id: stableId('order:grace:1'),
    buyerId: grace.id,
    status: 'CONFIRMED',
    idempotencyKey: 'seed-grace-1',
    placedAt: new Date(Date.UTC(2026, 10, 2, 12)),
    lines: [line(5, 2), line(30, 1)],
  },
];
