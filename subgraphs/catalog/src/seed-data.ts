import { stableId } from '@storefront/seed-data';

/**
 * The categories and products of the development seed (README → Seed data), written by
 * seed.ts and relied on by the tests. Ids are derived from names (stableId), so the other
 * subgraphs' seeds name these products without reading this database.
 */
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
