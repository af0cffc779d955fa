import { randomUUID } from 'node:crypto';
import { categories, products } from '@storefront/catalog/seed-data';
import { orders as seedOrders, type SeedOrder } from '@storefront/orders/seed-data';
import { ada, admin, grace, users } from '@storefront/users/seed-data';
import { errorCodes } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { signInSeedUsers, type Caller, type Send } from './support/callers.js';
import { startStack, type Stack } from './support/stack.js';

// Expectations come from the seed.
const productById = new Map(products.map((product) => [product.id, product]));
const categoryById = new Map(categories.map((category) => [category.id, category]));
const userById = new Map(users.map((user) => [user.id, user]));
const newestFirst = (list: readonly SeedOrder[]) => [...list].sort((a, b) => b.placedAt.getTime() - a.placedAt.getTime());
const ordersOf = (buyerId: string) => newestFirst(seedOrders.filter((order) => order.buyerId === buyerId));
const totalOf = (order: SeedOrder) => order.lines.reduce((sum, line) => sum + line.quantity * line.unitPriceAmount, 0);
const ids = (list: readonly { id: string }[]) => list.map((item) => item.id);

const [adaShipped, adaLatest] = [ordersOf(ada.id).find((order) => order.status === 'SHIPPED')!, ordersOf(ada.id)[0]!];
const graceOrder = ordersOf(grace.id)[0]!;
const available = products.filter((product) => product.stockQuantity >= 3);
const soldOut = products.find((product) => product.stockQuantity === 0)!;

const ORDER_FIELDS = /* GraphQL */ `
  id number status cancelReason placedAt
  total { amount currency }
  itemCount
  items { quantity unitPrice { amount currency } lineTotal { amount currency } product { id name } }
  buyer { id name }
`;
const ORDER = `query ($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`;
const MY_ORDERS = /* GraphQL */ `
  query ($first: Int) {
    me {
      id
      orders(first: $first) {
        totalCount
        nodes {
          id
          status
          buyer {
            id
          }
        }
        pageInfo {
          hasNextPage
        }
      }
    }
  }
`;
const ALL_ORDERS = /* GraphQL */ `
  query ($first: Int, $after: String) {
    orders(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        status
        total {
          amount
        }
        buyer {
          name
          email
        }
      }
    }
  }
`;
const PLACE = `mutation ($input: PlaceOrderInput!, $key: String!) {
  placeOrder(input: $input, idempotencyKey: $key) { order { ${ORDER_FIELDS} } userErrors { field code message } }
}`;
const CANCEL = `mutation ($id: ID!) {
  cancelOrder(id: $id) { order { id status cancelReason } userErrors { field code message } }
}`;

/** An order as its buyer or an admin should see it through the gateway, from the seed. */
function shown(order: SeedOrder) {
  return {
    id: order.id,
    number: expect.stringMatching(/^SF-\d{6}$/),
    status: order.status,
    cancelReason: null,
    placedAt: order.placedAt.toISOString(),
    total: { amount: totalOf(order), currency: 'USD' },
    itemCount: order.lines.reduce((sum, line) => sum + line.quantity, 0),
    items: order.lines.map((line) => ({
      quantity: line.quantity,
      unitPrice: { amount: line.unitPriceAmount, currency: 'USD' },
      lineTotal: { amount: line.unitPriceAmount * line.quantity, currency: 'USD' },
      product: { id: line.productId, name: productById.get(line.productId)!.name },
    })),
    buyer: { id: order.buyerId, name: userById.get(order.buyerId)!.name },
  };
}

let keys = 0;
const freshKey = () => `gateway-test-${++keys}-${randomUUID()}`;
const line = (product: { id: string }, quantity: number) => ({ productId: product.id, quantity });

describe('orders through the gateway', () => {
  let stack: Stack;
  let send: Send;

  beforeAll(async () => {
    stack = await startStack();
    send = await signInSeedUsers(stack.gatewayUrl);
  });
  afterAll(() => stack?.stop());

  async function place(items: Array<{ productId: string; quantity: number }>, key = freshKey(), caller: Caller = 'ada') {
    return send(PLACE, { input: { items }, key }, caller);
  }

  /** Places an order that must succeed; returns it. */
  async function placed(items: Array<{ productId: string; quantity: number }>, caller: Caller = 'ada') {
    const response = await place(items, freshKey(), caller);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.placeOrder.userErrors).toEqual([]);
    return response.body.data!.placeOrder.order;
  }

  async function myOrderCount(caller: Caller): Promise<number> {
    const response = await send(MY_ORDERS, { first: 1 }, caller);
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.me.orders.totalCount;
  }

  /** A placeOrder that must be refused with userErrors and place nothing; returns the errors as { field, code }. */
  async function refused(items: Array<{ productId: string; quantity: number }>, key = freshKey()) {
    const before = await myOrderCount('ada');
    const response = await place(items, key);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.placeOrder.order).toBeNull();
    expect(await myOrderCount('ada')).toBe(before);
    const errors = response.body.data!.placeOrder.userErrors as Array<{ field: string | null; code: string; message: string }>;
    for (const error of errors) expect(error.message).toEqual(expect.any(String));
    return errors.map(({ field, code }) => ({ field, code }));
  }

  async function statusOf(id: string): Promise<string> {
    const response = await send(ORDER, { id }, 'admin');
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.order.status;
  }

  describe('order(id)', () => {
    it('shows ada her order with its lines, prices, products and buyer', async () => {
      for (const order of ordersOf(ada.id)) {
        const response = await send(ORDER, { id: order.id }, 'ada');
        expect(response.body.errors).toBeUndefined();
        expect(response.body.data!.order).toEqual(shown(order));
      }
    });

    it('refuses anonymous callers', async () => {
      const response = await send(ORDER, { id: adaShipped.id });
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.body.data?.order ?? null).toBeNull();
    });

    it("forbids grace ada's order and leaks nothing of it", async () => {
      const response = await send(ORDER, { id: adaShipped.id }, 'grace');
      expect(errorCodes(response)).toEqual(['FORBIDDEN']);
      expect(response.body.data ?? { order: null }).toEqual({ order: null });
      const text = JSON.stringify(response.body);
      for (const secret of [ada.name, ada.email, ...adaShipped.lines.map((each) => productById.get(each.productId)!.name)]) {
        expect(text).not.toContain(secret);
      }
    });

    it('lets grace see her own order and an admin see anyone’s', async () => {
      const own = await send(ORDER, { id: graceOrder.id }, 'grace');
      expect(own.body.errors).toBeUndefined();
      expect(own.body.data!.order).toEqual(shown(graceOrder));
      for (const order of seedOrders) {
        const response = await send(ORDER, { id: order.id }, 'admin');
        expect(response.body.errors).toBeUndefined();
        expect(response.body.data!.order).toEqual(shown(order));
      }
    });

    it('answers NOT_FOUND for an unknown or malformed id', async () => {
      for (const id of [randomUUID(), 'not-an-order']) {
        const response = await send(ORDER, { id }, 'admin');
        expect(errorCodes(response)).toEqual(['NOT_FOUND']);
        expect(response.body.data?.order ?? null).toBeNull();
      }
    });

    it("joins the three subgraphs for ada's order: buyer name, product names and categories", async () => {
      const JOIN = /* GraphQL */ `
        query ($id: ID!) {
          order(id: $id) {
            status
            buyer {
              name
            }
            items {
              quantity
              product {
                name
                category {
                  name
                }
              }
            }
          }
        }
      `;
      const response = await send(JOIN, { id: adaLatest.id }, 'ada');
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.order).toEqual({
        status: adaLatest.status,
        buyer: { name: ada.name },
        items: adaLatest.lines.map((each) => {
          const product = productById.get(each.productId)!;
          return {
            quantity: each.quantity,
            product: { name: product.name, category: { name: categoryById.get(product.categoryId)!.name } },
          };
        }),
      });
    });
  });

  describe('me { orders }', () => {
    it.each<[Caller, typeof ada]>([
      ['ada', ada],
      ['grace', grace],
    ])('shows %s only their own orders, newest first', async (caller, user) => {
      const response = await send(MY_ORDERS, { first: 100 }, caller);
      expect(response.body.errors).toBeUndefined();
      const expected = ordersOf(user.id);
      expect(response.body.data!.me).toEqual({
        id: user.id,
        orders: {
          totalCount: expected.length,
          nodes: expected.map((order) => ({ id: order.id, status: order.status, buyer: { id: user.id } })),
          pageInfo: { hasNextPage: false },
        },
      });
    });

    it('pages with first', async () => {
      const response = await send(MY_ORDERS, { first: 2 }, 'ada');
      expect(response.body.data!.me.orders).toMatchObject({
        totalCount: ordersOf(ada.id).length,
        pageInfo: { hasNextPage: true },
      });
      expect(ids(response.body.data!.me.orders.nodes)).toEqual(ids(ordersOf(ada.id).slice(0, 2)));
    });
  });

  describe('orders (admin list)', () => {
    it('lists every order newest first with the buyer name and email', async () => {
      const response = await send(ALL_ORDERS, { first: 100 }, 'admin');
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.orders).toEqual({
        totalCount: seedOrders.length,
        pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
        nodes: newestFirst(seedOrders).map((order) => ({
          id: order.id,
          status: order.status,
          total: { amount: totalOf(order) },
          buyer: { name: userById.get(order.buyerId)!.name, email: userById.get(order.buyerId)!.email },
        })),
      });
    });

    it('pages with first and after', async () => {
      const expected = ids(newestFirst(seedOrders));
      const first = (await send(ALL_ORDERS, { first: 3 }, 'admin')).body.data!.orders;
      expect(first).toMatchObject({ totalCount: expected.length, pageInfo: { hasNextPage: true } });
      const rest = (await send(ALL_ORDERS, { first: 3, after: first.pageInfo.endCursor }, 'admin')).body.data!.orders;
      expect(rest).toMatchObject({ totalCount: expected.length, pageInfo: { hasNextPage: false } });
      expect([...ids(first.nodes), ...ids(rest.nodes)]).toEqual(expected);
      for (const bad of [{ first: 0 }, { first: 101 }, { after: 'not-a-cursor' }]) {
        expect(errorCodes(await send(ALL_ORDERS, bad, 'admin'))).toEqual(['BAD_USER_INPUT']);
      }
    });

    it.each<[Caller, string]>([
      ['ada', 'FORBIDDEN'],
      ['grace', 'FORBIDDEN'],
      ['anonymous', 'UNAUTHENTICATED'],
    ])('refuses %s with %s', async (caller, code) => {
      const response = await send(ALL_ORDERS, { first: 10 }, caller);
      expect(errorCodes(response)).toEqual([code]);
      expect(response.body.data ?? null).toBeNull();
    });
  });

  describe('placeOrder', () => {
    it('places a PENDING order at the catalog prices, with products resolved by the catalog', async () => {
      const chosen = [available[0]!, available[30]!, available[75]!];
      const quantities = [1, 2, 3];
      const before = await myOrderCount('ada');
      const order = await placed(chosen.map((product, index) => line(product, quantities[index]!)));
      expect(order).toEqual({
        id: expect.any(String),
        number: expect.stringMatching(/^SF-\d{6}$/),
        status: 'PENDING',
        cancelReason: null,
        placedAt: expect.any(String),
        total: {
          amount: chosen.reduce((sum, product, index) => sum + product.priceAmount * quantities[index]!, 0),
          currency: 'USD',
        },
        itemCount: 6,
        items: chosen.map((product, index) => ({
          quantity: quantities[index],
          unitPrice: { amount: product.priceAmount, currency: 'USD' },
          lineTotal: { amount: product.priceAmount * quantities[index]!, currency: 'USD' },
          product: { id: product.id, name: product.name },
        })),
        buyer: { id: ada.id, name: ada.name },
      });
      expect(seedOrders.map((seed) => seed.id)).not.toContain(order.id);

      // The buyer sees it afterwards, in her list and by id.
      expect(await myOrderCount('ada')).toBe(before + 1);
      const mine = await send(MY_ORDERS, { first: 100 }, 'ada');
      expect(ids(mine.body.data!.me.orders.nodes)).toContain(order.id);
      expect((await send(ORDER, { id: order.id }, 'ada')).body.data!.order).toEqual(order);
      // Another customer does not.
      expect(errorCodes(await send(ORDER, { id: order.id }, 'grace'))).toEqual(['FORBIDDEN']);
    });

    it('requires a signed-in caller', async () => {
      const before = await myOrderCount('ada');
      const response = await place([line(available[0]!, 1)], freshKey(), 'anonymous');
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.body.data ?? null).toBeNull();
      expect(await myOrderCount('ada')).toBe(before);
    });

    it('refuses an empty order', async () => {
      expect(await refused([])).toEqual([{ field: 'items', code: 'EMPTY_ORDER' }]);
    });

    it('refuses quantities outside 1..100, naming the line', async () => {
      expect(await refused([line(available[0]!, 0), line(available[1]!, 1), line(available[2]!, 101)])).toEqual([
        { field: 'items.0.quantity', code: 'INVALID_QUANTITY' },
        { field: 'items.2.quantity', code: 'INVALID_QUANTITY' },
      ]);
    });

    it('refuses a product the catalog does not know', async () => {
      expect(await refused([line(available[0]!, 1), { productId: randomUUID(), quantity: 1 }])).toEqual([
        { field: 'items.1.productId', code: 'PRODUCT_NOT_FOUND' },
      ]);
    });

    it('refuses a sold-out product, and more than the stock of another', async () => {
      const scarce = available[0]!;
      expect(await refused([line(soldOut, 1), line(available[1]!, 1), line(scarce, scarce.stockQuantity + 1)])).toEqual([
        { field: 'items.0.quantity', code: 'OUT_OF_STOCK' },
        { field: 'items.2.quantity', code: 'OUT_OF_STOCK' },
      ]);
    });

    it('refuses a malformed idempotency key', async () => {
      for (const key of ['', 'has space', 'x'.repeat(101)]) {
        expect(await refused([line(available[0]!, 1)], key)).toEqual([
          { field: 'idempotencyKey', code: 'INVALID_IDEMPOTENCY_KEY' },
        ]);
      }
    });

    it('returns the first order when the same key is sent twice with the same items', async () => {
      const key = freshKey();
      const items = [line(available[5]!, 1), line(available[6]!, 2)];
      const before = await myOrderCount('ada');
      const first = await place(items, key);
      const retry = await place([...items].reverse(), key);
      expect(first.body.data!.placeOrder.userErrors).toEqual([]);
      expect(retry.body.errors).toBeUndefined();
      expect(retry.body.data!.placeOrder).toEqual(first.body.data!.placeOrder);
      expect(await myOrderCount('ada')).toBe(before + 1);
    });

    it('refuses the same key with other items (IDEMPOTENCY_KEY_REUSED)', async () => {
      const key = freshKey();
      const first = await place([line(available[7]!, 1)], key);
      expect(first.body.data!.placeOrder.userErrors).toEqual([]);
      expect(await refused([line(available[7]!, 2)], key)).toEqual([{ field: 'idempotencyKey', code: 'IDEMPOTENCY_KEY_REUSED' }]);
    });
  });

  describe('cancelOrder', () => {
    it('lets the buyer cancel her pending order, visible afterwards', async () => {
      const order = await placed([line(available[10]!, 1)]);
      const response = await send(CANCEL, { id: order.id }, 'ada');
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.cancelOrder).toEqual({
        order: { id: order.id, status: 'CANCELLED', cancelReason: expect.any(String) },
        userErrors: [],
      });
      const reread = await send(ORDER, { id: order.id }, 'ada');
      expect(reread.body.data!.order).toMatchObject({ status: 'CANCELLED', cancelReason: expect.any(String) });
      const mine = (await send(MY_ORDERS, { first: 100 }, 'ada')).body.data!.me.orders.nodes;
      expect(mine.find((node: { id: string }) => node.id === order.id).status).toBe('CANCELLED');
    });

    it("forbids another customer to cancel ada's order and leaves it as it was", async () => {
      const order = await placed([line(available[11]!, 1)]);
      const response = await send(CANCEL, { id: order.id }, 'grace');
      expect(errorCodes(response)).toEqual(['FORBIDDEN']);
      expect(response.body.data ?? null).toBeNull();
      expect(await statusOf(order.id)).toBe('PENDING');
    });

    it('refuses anonymous callers', async () => {
      const order = await placed([line(available[12]!, 1)]);
      expect(errorCodes(await send(CANCEL, { id: order.id }))).toEqual(['UNAUTHENTICATED']);
      expect(await statusOf(order.id)).toBe('PENDING');
    });

    it('refuses a shipped order with ORDER_SHIPPED', async () => {
      const response = await send(CANCEL, { id: adaShipped.id }, 'ada');
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.cancelOrder).toEqual({
        order: null,
        userErrors: [{ field: 'id', code: 'ORDER_SHIPPED', message: expect.any(String) }],
      });
      expect(await statusOf(adaShipped.id)).toBe('SHIPPED');
    });

    it('answers NOT_FOUND for an unknown id', async () => {
      for (const id of [randomUUID(), 'not-an-order']) {
        const response = await send(CANCEL, { id }, 'ada');
        expect(errorCodes(response)).toEqual(['NOT_FOUND']);
        expect(response.body.data ?? null).toBeNull();
      }
    });
  });

  it('shows admin in the seed as a user without orders', async () => {
    const response = await send(MY_ORDERS, { first: 10 }, 'admin');
    expect(response.body.data!.me).toEqual({
      id: admin.id,
      orders: { totalCount: 0, nodes: [], pageInfo: { hasNextPage: false } },
    });
  });
});
