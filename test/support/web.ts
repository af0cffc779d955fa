import { randomUUID } from 'node:crypto';
import { categories, products, type SeedProduct } from '@storefront/catalog/seed-data';
import { orders as seedOrders, type SeedOrder } from '@storefront/orders/seed-data';
import { users, type SeedUser } from '@storefront/users/seed-data';
import { expect } from '@jest/globals';
import type { Stack } from './stack.js';
import { WebClient } from './web-client.js';

/**
 * Expectations for the web BFF, computed from the seed, and small helpers shared by the
 * web BFF's whole-stack tests.
 */

// Newest first is createdAt, then id, descending (as the catalog subgraph orders them).
export const newestFirst = [...products].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
export const menu = [...categories].sort((a, b) => a.position - b.position);
export const categoryById = new Map(categories.map((category) => [category.id, category]));
export const productById = new Map(products.map((product) => [product.id, product]));
export const userById = new Map(users.map((user) => [user.id, user]));
export const inCategory = (categoryId: string) => newestFirst.filter((product) => product.categoryId === categoryId);
export const matching = (text: string) =>
  newestFirst.filter((product) =>
    [product.name, product.description, product.sku].some((field) => field.toLowerCase().includes(text.toLowerCase())),
  );
export const ordersOf = (buyerId: string) =>
  [...seedOrders].filter((order) => order.buyerId === buyerId).sort((a, b) => b.placedAt.getTime() - a.placedAt.getTime());
export const totalOf = (order: SeedOrder) => order.lines.reduce((sum, line) => sum + line.quantity * line.unitPriceAmount, 0);
export const ids = (list: ReadonlyArray<{ id: string }>) => list.map((item) => item.id);

/** Money as the web schema shows it, formatted for `locale` (minor units: 2 decimals for USD). */
export function money(amount: number, currency: string, locale = 'en-US') {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return { amount, currency, formatted: format.format(amount / 10 ** digits) };
}

/** The ProductCard fragment of a seed product. */
export function productCard(product: SeedProduct, locale = 'en-US') {
  return {
    id: product.id,
    slug: product.slug,
    name: product.name,
    price: money(product.priceAmount, product.currency, locale),
    image: product.images[0] ?? null,
    inStock: product.stockQuantity > 0,
  };
}

/** The Category fields of CatalogPage, for a seed category. */
export function categoryEntry(category: (typeof categories)[number]) {
  return {
    id: category.id,
    slug: category.slug,
    name: category.name,
    productCount: products.filter((product) => product.categoryId === category.id).length,
  };
}

/** The ProductPage of a seed product. */
export function productPage(product: SeedProduct, locale = 'en-US') {
  const category = categoryById.get(product.categoryId)!;
  return {
    id: product.id,
    slug: product.slug,
    name: product.name,
    description: product.description,
    price: money(product.priceAmount, product.currency, locale),
    images: product.images,
    category: { id: category.id, slug: category.slug, name: category.name },
    stock: { available: product.stockQuantity > 0, quantity: product.stockQuantity },
    related: inCategory(product.categoryId)
      .filter((other) => other.id !== product.id)
      .slice(0, 4)
      .map((other) => productCard(other, locale)),
  };
}

/** The OrderDetail of a seed order. */
export function orderDetail(order: SeedOrder, locale = 'en-US') {
  return {
    id: order.id,
    number: expect.stringMatching(/^SF-\d{6}$/),
    status: order.status,
    placedAt: order.placedAt.toISOString(),
    total: money(totalOf(order), 'USD', locale),
    buyer: { id: order.buyerId, name: userById.get(order.buyerId)!.name },
    items: order.lines.map((line) => {
      const product = productById.get(line.productId)!;
      return {
        quantity: line.quantity,
        unitPrice: money(line.unitPriceAmount, 'USD', locale),
        lineTotal: money(line.unitPriceAmount * line.quantity, 'USD', locale),
        product: { id: product.id, slug: product.slug, name: product.name, image: product.images[0] ?? null },
      };
    }),
  };
}

/** An order edge of the Viewer page, for a seed order. */
export function orderEdge(order: SeedOrder, locale = 'en-US') {
  return {
    cursor: expect.any(String),
    node: {
      id: order.id,
      number: expect.stringMatching(/^SF-\d{6}$/),
      status: order.status,
      placedAt: order.placedAt.toISOString(),
      itemCount: order.lines.reduce((sum, line) => sum + line.quantity, 0),
      total: money(totalOf(order), 'USD', locale),
    },
  };
}

/** Sum of every series of `name` in Prometheus text whose labels match `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${name}(?:\\{([^}]*)\\})?\\s+(\\S+)$`).exec(line);
    if (!match) continue;
    const found = Object.fromEntries([...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) sum += Number(match[2]);
  }
  return sum;
}

/** Gateway requests the web BFF has made so far, over every operation. */
export async function gatewayRequests(stack: Stack): Promise<number> {
  return metricSum(await stack.webMetrics(), 'bff_gateway_requests_total');
}

/** Response cache lookups of the web BFF so far, by result. */
export async function cacheLookups(stack: Stack): Promise<{ hit: number; miss: number; skip: number }> {
  const text = await stack.webMetrics();
  const of = (result: string) => metricSum(text, 'bff_response_cache_lookups_total', { client: 'web', result });
  return { hit: of('hit'), miss: of('miss'), skip: of('skip') };
}

/** Gateway requests the web BFF makes, and SQL statements each subgraph sends, while `run` runs. */
export async function costOf<T>(stack: Stack, run: () => Promise<T>) {
  const names = ['users', 'catalog', 'orders'] as const;
  const statements = () => Promise.all(names.map((name) => stack.subgraphs[name].statements()));
  const [gatewayBefore, sqlBefore] = await Promise.all([gatewayRequests(stack), statements()]);
  const result = await run();
  const [gatewayAfter, sqlAfter] = await Promise.all([gatewayRequests(stack), statements()]);
  return {
    result,
    gateway: gatewayAfter - gatewayBefore,
    sql: Object.fromEntries(names.map((name, index) => [name, sqlAfter[index]! - sqlBefore[index]!])) as Record<
      (typeof names)[number],
      number
    >,
  };
}

/**
 * The cost of several runs of the same page (each must miss the response cache): every
 * run's gateway requests, and the fewest SQL statements per subgraph. The subgraphs'
 * DataLoaders sometimes split one batch over two ticks (one statement more), so a single
 * run's count is not exact; the fewest over a few runs is.
 */
export async function cheapestOf<T>(stack: Stack, runs: ReadonlyArray<() => Promise<T>>) {
  const costs: Array<Awaited<ReturnType<typeof costOf<T>>>> = [];
  for (const run of runs) costs.push(await costOf(stack, run));
  const fewest = (name: 'users' | 'catalog' | 'orders') => Math.min(...costs.map((cost) => cost.sql[name]));
  return {
    results: costs.map((cost) => cost.result),
    gateway: costs.map((cost) => cost.gateway),
    sql: { users: fewest('users'), catalog: fewest('catalog'), orders: fewest('orders') },
  };
}

/** A browser signed in to the web BFF as `user` (through the app's LogIn). */
export async function signedIn(url: string, user: Pick<SeedUser, 'email' | 'password'>, headers: Record<string, string> = {}) {
  const client = new WebClient(url, headers);
  const response = await client.send('LogIn', { email: user.email, password: user.password });
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data!.logIn.userErrors).toEqual([]);
  expect(client.cookies.has('sf_session') && client.cookies.has('sf_refresh')).toBe(true);
  return client;
}

/** A browser signed in as a brand-new customer (through the app's SignUp). */
export async function signedUp(url: string, name = 'Test Shopper') {
  const client = new WebClient(url);
  const email = `web-${randomUUID()}@example.com`;
  const response = await client.send('SignUp', { input: { email, password: 'a-long-password-1', name } });
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data!.signUp.userErrors).toEqual([]);
  const viewer = response.body.data!.signUp.viewer as { id: string; name: string; email: string; role: string };
  return { client, viewer };
}

export const freshKey = () => `web-test-${randomUUID()}`;
