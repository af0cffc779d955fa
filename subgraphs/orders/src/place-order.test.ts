import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { categories, products } from '@storefront/catalog/seed-data';
import { ada, grace } from '@storefront/users/seed-data';
import { errorCodes, graphql, accessTokenFor } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestStack, type TestStack } from '../test/support.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const PLACE = `mutation Place($input: PlaceOrderInput!, $key: String!) {
  placeOrder(input: $input, idempotencyKey: $key) {
    order {
      id number status cancelReason
      total { amount currency }
      itemCount
      items { product { id } quantity unitPrice { amount currency } lineTotal { amount currency } }
      buyer { id }
    }
    userErrors { field message code }
  }
}`;

/** The seed product with this 1-based number. */
const product = (number: number) => products[number - 1]!;
const line = (number: number, quantity: number) => ({ productId: product(number).id, quantity });
const orderCount = () => stack.server.prisma.order.count();
let keys = 0;
const freshKey = () => `test-key-${++keys}`;

async function place(
  items: Array<{ productId: string; quantity: number }>,
  key = freshKey(),
  caller: 'ada' | 'grace' | 'anonymous' = 'ada',
) {
  return stack.query(PLACE, { input: { items }, key }, caller);
}

/** The userErrors of a placeOrder that must not have written an order. */
async function refused(items: Array<{ productId: string; quantity: number }>, key = freshKey()) {
  const before = await orderCount();
  const response = await place(items, key);
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data?.placeOrder.order).toBeNull();
  expect(await orderCount()).toBe(before);
  return response.body.data?.placeOrder.userErrors as Array<{ field: string | null; message: string; code: string }>;
}

describe('placeOrder', () => {
  it('places a PENDING order at the catalog prices', async () => {
    // A price changed in the catalog is what the order uses: prices never come from the client.
    const changed = await stack.catalogQuery(
      `mutation($id: ID!) { updateProduct(id: $id, input: { priceAmount: 12345 }) { userErrors { code } } }`,
      { id: product(3).id },
      'admin',
    );
    expect(changed.body.data?.updateProduct.userErrors).toEqual([]);

    const response = await place([line(2, 1), line(1, 2), line(3, 3)]);
    expect(response.body.errors).toBeUndefined();
    const { order, userErrors } = response.body.data!.placeOrder;
    expect(userErrors).toEqual([]);
    const prices = [product(2).priceAmount, product(1).priceAmount, 12345];
    const quantities = [1, 2, 3];
    expect(order).toMatchObject({
      status: 'PENDING',
      cancelReason: null,
      itemCount: 6,
      total: { amount: prices.reduce((sum, price, index) => sum + price * quantities[index]!, 0), currency: 'USD' },
      buyer: { id: ada.id },
      items: [2, 1, 3].map((number, index) => ({
        product: { id: product(number).id },
        quantity: quantities[index],
        unitPrice: { amount: prices[index], currency: 'USD' },
        lineTotal: { amount: prices[index]! * quantities[index]!, currency: 'USD' },
      })),
    });
    expect(order.number).toMatch(/^SF-\d{6}$/);
    expect(Number(order.number.slice(3))).toBeGreaterThan(4);

    const mine = await stack.query(`query($id: ID!) { order(id: $id) { id status } }`, { id: order.id }, 'ada');
    expect(mine.body.data?.order).toEqual({ id: order.id, status: 'PENDING' });
    const stored = await stack.server.prisma.order.findUniqueOrThrow({ where: { id: order.id }, include: { items: true } });
    expect(stored).toMatchObject({ buyerId: ada.id, status: 'PENDING', totalAmount: order.total.amount, currency: 'USD' });
    expect(stored.items).toHaveLength(3);
  });

  it('requires a signed-in caller', async () => {
    const before = await orderCount();
    const response = await place([line(1, 1)], freshKey(), 'anonymous');
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(await orderCount()).toBe(before);
  });

  it('refuses malformed idempotency keys', async () => {
    for (const key of ['', 'has space', 'x'.repeat(101), 'ümlaut', 'a/b']) {
      expect(await refused([line(1, 1)], key)).toEqual([
        { field: 'idempotencyKey', message: expect.any(String), code: 'INVALID_IDEMPOTENCY_KEY' },
      ]);
    }
    const longest = await place([line(1, 1)], `A-z_0.9:${'k'.repeat(92)}`);
    expect(longest.body.data?.placeOrder.userErrors).toEqual([]);
  });

  it('refuses empty orders and more than 50 lines', async () => {
    expect(await refused([])).toEqual([{ field: 'items', message: expect.any(String), code: 'EMPTY_ORDER' }]);
    const many = products.slice(0, 51).map((each) => ({ productId: each.id, quantity: 1 }));
    expect(await refused(many)).toEqual([{ field: 'items', message: expect.any(String), code: 'TOO_MANY_ITEMS' }]);
  });

  it('refuses quantities outside 1..100, malformed product ids and repeated products, naming each line', async () => {
    const errors = await refused([line(1, 0), line(2, 101), { productId: 'nope', quantity: 1 }, line(4, 1), line(1, 2)]);
    expect(errors.map(({ field, code }) => ({ field, code }))).toEqual([
      { field: 'items.0.quantity', code: 'INVALID_QUANTITY' },
      { field: 'items.1.quantity', code: 'INVALID_QUANTITY' },
      { field: 'items.2.productId', code: 'INVALID_PRODUCT_ID' },
      { field: 'items.4.productId', code: 'DUPLICATE_PRODUCT' },
    ]);
    // The same product in another letter case is still the same product.
    const duplicate = await refused([line(1, 1), { productId: product(1).id.toUpperCase(), quantity: 1 }]);
    expect(duplicate.map(({ field, code }) => ({ field, code }))).toEqual([
      { field: 'items.1.productId', code: 'DUPLICATE_PRODUCT' },
    ]);
  });

  it('refuses products the catalog does not know', async () => {
    const unknown = randomUUID();
    const errors = await refused([line(1, 1), { productId: unknown, quantity: 1 }]);
    expect(errors).toEqual([
      { field: 'items.1.productId', message: expect.stringContaining(unknown), code: 'PRODUCT_NOT_FOUND' },
    ]);
  });

  it('refuses more than the stock, naming the product and what is available', async () => {
    const scarce = product(2); // 7 in stock
    expect(scarce.stockQuantity).toBe(7);
    const errors = await refused([line(1, 1), line(2, 8), line(9, 1)]);
    expect(errors.map(({ field, code }) => ({ field, code }))).toEqual([
      { field: 'items.1.quantity', code: 'OUT_OF_STOCK' },
      { field: 'items.2.quantity', code: 'OUT_OF_STOCK' },
    ]);
    expect(errors[0]!.message).toContain(scarce.id);
    expect(errors[0]!.message).toContain('7');
    expect(errors[1]!.message).toContain(product(9).id);
    const exact = await place([line(2, 7)]);
    expect(exact.body.data?.placeOrder.userErrors).toEqual([]);
  });

  it('refuses items priced in different currencies', async () => {
    const created = await stack.catalogQuery(
      `mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } userErrors { code } } }`,
      {
        input: {
          sku: 'EUR-0001',
          slug: 'euro-kettle',
          name: 'Euro Kettle',
          description: 'Priced in euros.',
          priceAmount: 2500,
          currency: 'EUR',
          stockQuantity: 10,
          categoryId: categories[0]!.id,
        },
      },
      'admin',
    );
    expect(created.body.data?.createProduct.userErrors).toEqual([]);
    const euro = created.body.data?.createProduct.product.id as string;
    const errors = await refused([line(1, 1), { productId: euro, quantity: 1 }]);
    expect(errors).toEqual([{ field: 'items', message: expect.stringContaining('EUR'), code: 'MIXED_CURRENCIES' }]);
    const onlyEuro = await place([{ productId: euro, quantity: 2 }]);
    expect(onlyEuro.body.data?.placeOrder.order.total).toEqual({ amount: 5000, currency: 'EUR' });
  });
});

describe('placeOrder idempotency', () => {
  it('returns the first order for a retry with the same key and items, in any line order', async () => {
    const key = freshKey();
    const first = await place([line(4, 1), line(5, 2)], key);
    const before = await orderCount();
    const retry = await place([line(5, 2), line(4, 1)], key);
    expect(retry.body.data?.placeOrder).toEqual(first.body.data?.placeOrder);
    expect(retry.body.data?.placeOrder.order.id).toEqual(expect.any(String));
    expect(await orderCount()).toBe(before);
  });

  it('refuses the same key with other items', async () => {
    const key = freshKey();
    expect((await place([line(4, 1)], key)).body.data?.placeOrder.userErrors).toEqual([]);
    expect(await refused([line(4, 2)], key)).toEqual([
      { field: 'idempotencyKey', message: expect.any(String), code: 'IDEMPOTENCY_KEY_REUSED' },
    ]);
  });

  it('keeps keys per buyer', async () => {
    const key = freshKey();
    const asAda = await place([line(4, 1)], key, 'ada');
    const asGrace = await place([line(4, 1)], key, 'grace');
    expect(asGrace.body.data?.placeOrder.order.buyer).toEqual({ id: grace.id });
    expect(asGrace.body.data?.placeOrder.order.id).not.toBe(asAda.body.data?.placeOrder.order.id);
  });

  it('places exactly one order for concurrent identical requests', async () => {
    const key = freshKey();
    const responses = await Promise.all(Array.from({ length: 5 }, () => place([line(6, 1), line(7, 1)], key)));
    for (const response of responses) {
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data?.placeOrder.userErrors).toEqual([]);
    }
    const ids = new Set(responses.map((response) => response.body.data?.placeOrder.order.id));
    expect(ids.size).toBe(1);
    expect(await stack.server.prisma.order.count({ where: { buyerId: ada.id, idempotencyKey: key } })).toBe(1);
  });

  it('refuses concurrent requests with one key and different items, keeping one order', async () => {
    const key = freshKey();
    const responses = await Promise.all([1, 2, 3, 4].map((quantity) => place([line(8, quantity)], key)));
    const placed = responses.filter((response) => response.body.data?.placeOrder.order);
    expect(placed).toHaveLength(1);
    for (const response of responses) {
      if (response.body.data?.placeOrder.order) continue;
      expect(response.body.data?.placeOrder.userErrors.map((error: { code: string }) => error.code)).toEqual([
        'IDEMPOTENCY_KEY_REUSED',
      ]);
    }
    expect(await stack.server.prisma.order.count({ where: { buyerId: ada.id, idempotencyKey: key } })).toBe(1);
  });
});

describe('placeOrder on a database with no free connection', () => {
  it('answers SERVICE_UNAVAILABLE (retryable), writes nothing, and the retry with the same key places the order', async () => {
    const { server: busy, url } = await stack.startOrders({ DATABASE_POOL_MAX: '1' });
    const token = await accessTokenFor(ada);
    const key = freshKey();
    const send = () => graphql(url, PLACE, { input: { items: [line(4, 1)] }, key }, { token });
    const before = await orderCount();
    // The pool's only connection is taken (a long report, a stuck migration) while the order comes in.
    const held = await busy.pool.connect();
    let refused: Awaited<ReturnType<typeof send>>;
    try {
      refused = await send();
    } finally {
      held.release();
    }
    expect(errorCodes(refused)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(refused.body.errors?.[0]?.message).toBe('The service is temporarily unavailable. Please try again.');
    expect(await orderCount()).toBe(before);
    const retried = await send();
    expect(retried.body.errors).toBeUndefined();
    expect(retried.body.data?.placeOrder.order.status).toBe('PENDING');
    expect(await orderCount()).toBe(before + 1);
  }, 30_000);
});

describe('placeOrder without the catalog', () => {
  it('fails with CATALOG_UNAVAILABLE when the catalog does not answer in time', async () => {
    // A server that accepts connections and never replies.
    const sockets = new Set<Socket>();
    const blackHole = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const { port } = blackHole.address() as { port: number };
    try {
      const { url } = await stack.startOrders({ CATALOG_URL: `http://127.0.0.1:${port}/graphql`, CATALOG_TIMEOUT_MS: '200' });
      const before = await orderCount();
      const started = Date.now();
      const response = await graphql(
        url,
        PLACE,
        { input: { items: [line(1, 1)] }, key: freshKey() },
        { token: await accessTokenFor(ada) },
      );
      expect(errorCodes(response)).toEqual(['CATALOG_UNAVAILABLE']);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await orderCount()).toBe(before);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
    }
  });

  it('retries a catalog answering 503, then stops calling it once its breaker opens: CATALOG_UNAVAILABLE either way', async () => {
    let calls = 0;
    const failing = createHttpServer((_request, response) => {
      calls += 1;
      response.writeHead(503).end();
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const { port } = failing.address() as AddressInfo;
    try {
      const { url } = await stack.startOrders({
        CATALOG_URL: `http://127.0.0.1:${port}/graphql`,
        CATALOG_RETRIES: '1',
        CATALOG_RETRY_BACKOFF_MS: '1',
        CATALOG_BREAKER_VOLUME: '2',
      });
      const token = await accessTokenFor(ada);
      const before = await orderCount();
      const placeOne = async () => {
        const response = await graphql(url, PLACE, { input: { items: [line(1, 1)] }, key: freshKey() }, { token });
        expect(errorCodes(response)).toEqual(['CATALOG_UNAVAILABLE']);
      };
      await placeOne();
      // Sent twice: a 503 is worth a retry. Both failed: the breaker opens.
      expect(calls).toBe(2);
      await placeOne();
      await placeOne();
      // The circuit is open: later orders fail fast without calling the catalog.
      expect(calls).toBe(2);
      expect(await orderCount()).toBe(before);
    } finally {
      await new Promise((resolve) => failing.close(resolve));
    }
  });

  it('fails with CATALOG_UNAVAILABLE when the catalog is down, and writes nothing', async () => {
    const key = freshKey();
    const placed = await place([line(10, 1)], key);
    await stack.stopCatalog();
    const before = await orderCount();
    const response = await place([line(1, 1)]);
    expect(errorCodes(response)).toEqual(['CATALOG_UNAVAILABLE']);
    expect(response.body.errors?.[0]?.message).toMatch(/catalog/i);
    expect(await orderCount()).toBe(before);
    // A retry of an order already placed needs no catalog.
    const retry = await place([line(10, 1)], key);
    expect(retry.body.data?.placeOrder.order.id).toBe(placed.body.data?.placeOrder.order.id);
  });
});
