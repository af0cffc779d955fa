import { products } from '@storefront/catalog/seed-data';
import { orders as seedOrders } from '@storefront/orders/seed-data';
import { ada, admin, grace } from '@storefront/users/seed-data';
import { eventually, graphql } from '@storefront/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mobileLogIn, send as sendMobile } from './support/mobile.js';
import { logIn } from './support/session.js';
import { startStack, type Stack } from './support/stack.js';
import { WebClient } from './support/web-client.js';

const until = <T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000) =>
  eventually(read, done, 'the condition', { timeoutMs, intervalMs: 25 });

const PLACE =
  'mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { order { id status } userErrors { code message } } }';
const ORDER = 'query ($id: ID!) { order(id: $id) { status cancelReason } }';
const STOCK = 'query ($id: ID!) { product(id: $id) { stockQuantity } }';
const SET_STOCK =
  'mutation ($id: ID!, $stock: Int!) { updateProduct(id: $id, input: { stockQuantity: $stock }) { product { stockQuantity } userErrors { code } } }';

describe('order events through the whole stack (real Postgres and Redis Streams)', () => {
  let stack: Stack;
  let tokens: { ada: string; grace: string; admin: string };

  const stockOf = async (id: string) =>
    (await graphql<{ product: { stockQuantity: number } }>(stack.gatewayUrl, STOCK, { id })).body.data!.product.stockQuantity;
  const setStock = async (id: string, stock: number) => {
    const response = await graphql(stack.gatewayUrl, SET_STOCK, { id, stock }, { token: tokens.admin });
    expect(response.body.data!.updateProduct.userErrors).toEqual([]);
  };
  const statusOf = async (id: string, token: string) =>
    (await graphql<{ order: { status: string; cancelReason: string | null } }>(stack.gatewayUrl, ORDER, { id }, { token })).body
      .data!.order;
  const place = async (token: string, items: Array<{ productId: string; quantity: number }>, key: string) => {
    const response = await graphql(stack.gatewayUrl, PLACE, { input: { items }, key }, { token });
    const payload = response.body.data!.placeOrder;
    expect(payload.userErrors).toEqual([]);
    return payload.order.id as string;
  };

  beforeAll(async () => {
    stack = await startStack({ events: true, web: true, mobile: true });
    tokens = {
      ada: await logIn(stack.gatewayUrl, ada.email, ada.password),
      grace: await logIn(stack.gatewayUrl, grace.email, grace.password),
      admin: await logIn(stack.gatewayUrl, admin.email, admin.password),
    };
  });
  afterAll(() => stack?.stop());

  it("the seed's PENDING orders were seeded with their OrderPlaced events: they move on like any order", async () => {
    const pending = seedOrders.filter((order) => order.status === 'PENDING');
    expect(pending.length).toBeGreaterThan(0);
    for (const order of pending) {
      await until(
        () => statusOf(order.id, tokens.admin),
        (state) => state.status !== 'PENDING',
        10_000,
      );
    }
  });

  it('an order placed through a BFF confirms, lowers stock, and both BFFs show the new stock at once', async () => {
    const product = products.find((candidate) => candidate.stockQuantity >= 10)!;
    const before = await stockOf(product.id);
    const web = new WebClient(stack.webUrl);
    await web.send('LogIn', { email: ada.email, password: ada.password });
    const mobile = await mobileLogIn(stack.mobileUrl, grace.email, grace.password);

    // Both product pages are cached before the order.
    const webPage = () => web.send('ProductPage', { slug: product.slug });
    const mobilePage = () => sendMobile(stack.mobileUrl, 'ProductDetail', { id: product.id }, { token: mobile.accessToken });
    await webPage();
    expect((await webPage()).headers.get('x-cache')).toBe('HIT');
    await mobilePage();
    expect((await mobilePage()).headers.get('x-cache')).toBe('HIT');

    const placed = await web.send('PlaceOrder', {
      input: { items: [{ productId: product.id, quantity: 3 }] },
      idempotencyKey: 'events-web-1',
    });
    const orderId = placed.body.data!.placeOrder.order.id as string;
    expect(placed.body.data!.placeOrder.order.status).toBe('PENDING');

    await until(
      () => statusOf(orderId, tokens.ada),
      (order) => order.status === 'CONFIRMED',
    );
    expect(await stockOf(product.id)).toBe(before - 3);
    const webStock = await until(webPage, (page) => page.body.data!.product.stock.quantity === before - 3);
    expect(webStock.body.data!.product.stock).toEqual({ available: before - 3 > 0, quantity: before - 3 });
    const mobileStock = await until(
      mobilePage,
      (page) => page.body.data?.product?.stockLabel !== undefined && page.headers.get('x-cache') !== 'HIT',
    );
    expect(mobileStock.body.data!.product.inStock).toBe(true);
  });

  it('of two orders for the last unit, exactly one is confirmed; the other is cancelled with a reason', async () => {
    const product = products.find((candidate) => candidate.stockQuantity >= 5 && candidate.id !== products[0]!.id)!;
    await setStock(product.id, 1);
    const [first, second] = await Promise.all([
      place(tokens.ada, [{ productId: product.id, quantity: 1 }], 'last-unit-ada'),
      place(tokens.grace, [{ productId: product.id, quantity: 1 }], 'last-unit-grace'),
    ]);
    const outcomes = await Promise.all(
      [
        [first, tokens.ada],
        [second, tokens.grace],
      ].map(([id, token]) =>
        until(
          () => statusOf(id!, token!),
          (order) => order.status !== 'PENDING',
        ),
      ),
    );
    expect(outcomes.map((order) => order.status).sort()).toEqual(['CANCELLED', 'CONFIRMED']);
    expect(outcomes.find((order) => order.status === 'CANCELLED')!.cancelReason).toMatch(/\S/);
    expect(await stockOf(product.id)).toBe(0);
  });

  it('200 concurrent orders from several clients end with exact stock, none negative, each event applied once', async () => {
    const pool = products.filter((candidate) => candidate.stockQuantity > 0).slice(20, 25);
    const initial = 60;
    for (const product of pool) await setStock(product.id, initial);
    const buyers = [tokens.ada, tokens.grace];
    const placed: Array<{ id: string; token: string; lines: Array<{ productId: string; quantity: number }> }> = [];
    // 20 clients at a time, 10 rounds: 200 orders, 1-3 units of 1-2 products; demand exceeds supply.
    for (let round = 0; round < 10; round += 1) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, index) => {
          const n = round * 20 + index;
          const lines = [{ productId: pool[n % 5]!.id, quantity: 1 + (n % 3) }];
          if (n % 2 === 0) lines.push({ productId: pool[(n + 2) % 5]!.id, quantity: 1 });
          const token = buyers[n % 2]!;
          placed.push({ id: await place(token, lines, `bulk-events-${n}`), token, lines });
        }),
      );
    }
    expect(placed).toHaveLength(200);
    // Other tests' orders may still be on their way: watch ours only.
    const ours = new Set(placed.map((order) => order.id));
    const stillPending = async () =>
      (
        await graphql<{ orders: { nodes: Array<{ id: string }> } }>(
          stack.gatewayUrl,
          '{ orders(status: PENDING, first: 100) { nodes { id } } }',
          {},
          { token: tokens.admin },
        )
      ).body.data!.orders.nodes.filter((order) => ours.has(order.id)).length;
    await until(stillPending, (count) => count === 0, 60_000);

    const statuses = new Map<string, string>();
    for (const order of placed) statuses.set(order.id, (await statusOf(order.id, order.token)).status);
    const confirmed = placed.filter((order) => statuses.get(order.id) === 'CONFIRMED');
    expect(confirmed.length).toBeGreaterThan(0);
    expect(confirmed.length).toBeLessThan(200);
    for (const product of pool) {
      const sold = confirmed
        .flatMap((order) => order.lines)
        .filter((line) => line.productId === product.id)
        .reduce((sum, line) => sum + line.quantity, 0);
      const stock = await stockOf(product.id);
      expect(stock).toBeGreaterThanOrEqual(0);
      expect(stock).toBe(initial - sold);
    }

    // Every OrderPlaced was applied exactly once by catalog, and orders saw every answer once.
    const catalog = new pg.Client({ connectionString: stack.subgraphs.catalog.database.url });
    await catalog.connect();
    try {
      const { rows } = await catalog.query<{ count: string }>(
        'SELECT count(*) FROM stock_reservations WHERE order_id = ANY($1::uuid[])',
        [placed.map((order) => order.id)],
      );
      expect(Number(rows[0]!.count)).toBe(200);
    } finally {
      await catalog.end();
    }
    expect(await stack.deadLetters()).toEqual([]);
  }, 120_000);
});
