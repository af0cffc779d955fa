import { createHash } from 'node:crypto';

/**
 * The deterministic seed of the whole shop. Each subgraph seeds its own part of it; ids are
 * derived from names, so the parts agree across databases without reading each other.
 */

/** A stable UUID (version 5 layout) for `key`, the same on every run and machine. */
export function stableId(key: string): string {
  const hex = createHash('sha256').update(`storefront:${key}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface SeedUser {
  id: string;
  email: string;
  name: string;
  password: string;
  role: 'CUSTOMER' | 'ADMIN';
}

export const users: readonly SeedUser[] = [
  { id: stableId('user:ada'), email: 'ada@example.com', name: 'Ada Lovelace', password: 'ada-password-1', role: 'CUSTOMER' },
  { id: stableId('user:grace'), email: 'grace@example.com', name: 'Grace Hopper', password: 'grace-password-1', role: 'CUSTOMER' },
  { id: stableId('user:admin'), email: 'admin@example.com', name: 'Store Admin', password: 'admin-password-1', role: 'ADMIN' },
];

export const ada = users[0]!;
export const grace = users[1]!;
export const admin = users[2]!;

export interface SeedCategory {
  id: string;
  slug: string;
  name: string;
  position: number;
}

const categoryNames: ReadonlyArray<[slug: string, name: string, nouns: string[]]> = [
  ['kitchen', 'Kitchen', ['Kettle', 'Chef Knife', 'Cutting Board', 'Skillet', 'Teapot']],
  ['outdoors', 'Outdoors', ['Tent', 'Backpack', 'Headlamp', 'Water Bottle', 'Camp Stove']],
  ['books', 'Books', ['Notebook', 'Atlas', 'Cookbook', 'Field Guide', 'Sketchbook']],
  ['audio', 'Audio', ['Headphones', 'Speaker', 'Turntable', 'Microphone', 'Radio']],
  ['home-office', 'Home Office', ['Desk Lamp', 'Monitor Stand', 'Desk Chair', 'Keyboard', 'Pen Set']],
  ['toys', 'Toys', ['Puzzle', 'Kite', 'Building Blocks', 'Yo-yo', 'Board Game']],
];

const adjectives = ['Classic', 'Compact', 'Deluxe'];
const colours = ['', ' Blue', ' Red', ' Green'];

export const categories: readonly SeedCategory[] = categoryNames.map(([slug, name], position) => ({
  id: stableId(`category:${slug}`),
  slug,
  name,
  position,
}));

export interface SeedImage {
  url: string;
  width: number;
  height: number;
  alt: string;
}

export interface SeedProduct {
  id: string;
  sku: string;
  slug: string;
  name: string;
  description: string;
  priceAmount: number;
  currency: string;
  stockQuantity: number;
  categoryId: string;
  createdAt: Date;
  images: SeedImage[];
}

function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

const SEED_EPOCH = Date.UTC(2026, 0, 1);

/** 20 products per category, 120 in all; every 9th is out of stock. */
export const products: readonly SeedProduct[] = categoryNames.flatMap(([categorySlug, , nouns], categoryIndex) =>
  Array.from({ length: 20 }, (_, index) => {
    const number = categoryIndex * 20 + index + 1;
    const noun = nouns[index % nouns.length]!;
    const adjective = adjectives[Math.floor(index / nouns.length) % adjectives.length]!;
    const colour = colours[Math.floor(index / (nouns.length * adjectives.length)) % colours.length]!;
    const name = `${adjective} ${noun}${colour}`.trim();
    const slug = `${slugify(name)}-${number}`;
    return {
      id: stableId(`product:${number}`),
      sku: `SF-${String(number).padStart(4, '0')}`,
      slug,
      name,
      description: `The ${name.toLowerCase()} from our ${categorySlug.replace('-', ' ')} range: well made, easy to care for, and built to last.`,
      priceAmount: 500 + ((number * 7_919) % 19_500),
      currency: 'USD',
      stockQuantity: number % 9 === 0 ? 0 : 5 + ((number * 31) % 60),
      categoryId: stableId(`category:${categorySlug}`),
      createdAt: new Date(SEED_EPOCH + number * 3_600_000),
      images: [1, 2].map((view) => ({
        url: `https://images.storefront.test/products/${slug}/${view}.jpg`,
        width: 1200,
        height: 1200,
        alt: view === 1 ? name : `${name}, another view`,
      })),
    };
  }),
);

export interface SeedOrder {
  id: string;
  buyerId: string;
  status: 'PENDING' | 'CONFIRMED' | 'CANCELLED' | 'SHIPPED';
  idempotencyKey: string;
  placedAt: Date;
  lines: Array<{ productId: string; quantity: number; unitPriceAmount: number }>;
}

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

/** Seeding is for development and tests; production data never comes from here. */
export function assertSeedAllowed(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_ENV === 'production') {
    throw new Error('Refusing to seed: NODE_ENV is production.');
  }
}
