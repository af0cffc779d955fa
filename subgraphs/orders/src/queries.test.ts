import { randomUUID } from 'node:crypto';
import { products } from '@storefront/catalog/seed-data';
import { ada, admin, grace } from '@storefront/users/seed-data';
import { orders as seedOrders } from './seed-data.js';
import { errorCodes } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestStack, type TestStack } from '../test/support.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const [ada1, ada2, ada3, grace1] = seedOrders.map((order) => order.id) as [string, string, string, string];
const productById = new Map(products.map((product) => [product.id, product]));

const ORDER = `query Order($id: ID!) {
  order(id: $id) {
    id number status cancelReason placedAt updatedAt
    total { amount currency }
    itemCount
    items { product { id } quantity unitPrice { amount currency } lineTotal { amount currency } }
    buyer { id }
  }
}`;

const USER_ORDERS = `query UserOrders($representations: [_Any!]!, $first: Int, $after: String) {
  _entities(representations: $representations) {
    ... on User {
      id
      orders(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { id } }
        nodes { id number itemCount items { quantity } }
      }
    }
  }
}`;

const ALL_ORDERS = `query AllOrders($first: Int, $after: String, $status: OrderStatus) {
  orders(first: $first, after: $after, status: $status) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id status buyer { id } }
  }
}`;

const users = (...ids: string[]) => ids.map((id) => ({ __typename: 'User', id }));

describe('order(id)', () => {
  it('shows an order to its buyer, with number, lines in position order, totals and references', async () => {
    const response = await stack.query(ORDER, { id: ada1 }, 'ada');
    expect(response.body.errors).toBeUndefined();
    const seed = seedOrders[0]!;
    const total = seed.lines.reduce((sum, line) => sum + line.quantity * line.unitPriceAmount, 0);
    expect(response.body.data?.order).toEqual({
      id: ada1,
      number: 'SF-000001',
      status: 'SHIPPED',
      cancelReason: null,
      placedAt: seed.placedAt.toISOString(),
      updatedAt: expect.any(String),
      total: { amount: total, currency: 'USD' },
      itemCount: 3,
      items: seed.lines.map((line) => ({
        product: { id: line.productId },
        quantity: line.quantity,
        unitPrice: { amount: productById.get(line.productId)!.priceAmount, currency: 'USD' },
        lineTotal: { amount: line.quantity * line.unitPriceAmount, currency: 'USD' },
      })),
      buyer: { id: ada.id },
    });
  });

  it('refuses anonymous callers', async () => {
    const response = await stack.query(ORDER, { id: ada1 });
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.body.data?.order).toBeNull();
  });

  it("forbids another customer's order and lets admins see any", async () => {
    expect(errorCodes(await stack.query(ORDER, { id: ada1 }, 'grace'))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await stack.query(ORDER, { id: grace1 }, 'ada'))).toEqual(['FORBIDDEN']);
    const asAdmin = await stack.query(ORDER, { id: grace1 }, 'admin');
    expect(asAdmin.body.errors).toBeUndefined();
    expect(asAdmin.body.data?.order).toMatchObject({ id: grace1, number: 'SF-000004', buyer: { id: grace.id } });
  });

  it('answers NOT_FOUND for unknown and malformed ids', async () => {
    expect(errorCodes(await stack.query(ORDER, { id: randomUUID() }, 'admin'))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await stack.query(ORDER, { id: 'not-a-uuid' }, 'ada'))).toEqual(['NOT_FOUND']);
  });

  it('applies the same rule when the gateway resolves an Order reference', async () => {
    const query = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Order { id number } } }`;
    const representations = [
      { __typename: 'Order', id: ada2 },
      { __typename: 'Order', id: grace1 },
    ];
    const asAda = await stack.query(query, { representations }, 'ada');
    expect(asAda.body.data?._entities).toEqual([{ id: ada2, number: 'SF-000002' }, null]);
    expect(errorCodes(asAda)).toEqual(['FORBIDDEN']);
    const anonymous = await stack.query(query, { representations }, 'anonymous');
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED']);
    const asAdmin = await stack.query(query, { representations }, 'admin');
    expect(asAdmin.body.data?._entities).toEqual([
      { id: ada2, number: 'SF-000002' },
      { id: grace1, number: 'SF-000004' },
    ]);
  });
});

describe('User.orders', () => {
  it("lists ada's orders newest first for ada", async () => {
    const response = await stack.query(USER_ORDERS, { representations: users(ada.id) }, 'ada');
    expect(response.body.errors).toBeUndefined();
    const orders = response.body.data?._entities[0].orders;
    expect(orders.totalCount).toBe(3);
    expect(orders.nodes.map((node: { id: string }) => node.id)).toEqual([ada3, ada2, ada1]);
    expect(orders.nodes.map((node: { number: string }) => node.number)).toEqual(['SF-000003', 'SF-000002', 'SF-000001']);
    expect(orders.nodes.map((node: { itemCount: number }) => node.itemCount)).toEqual([1, 5, 3]);
    expect(orders.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([ada3, ada2, ada1]);
    expect(orders.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  it("lists grace's order for grace", async () => {
    const response = await stack.query(USER_ORDERS, { representations: users(grace.id) }, 'grace');
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?._entities[0].orders).toMatchObject({ totalCount: 1, nodes: [{ id: grace1, itemCount: 3 }] });
  });

  it("forbids another user's orders and refuses anonymous callers", async () => {
    const asGrace = await stack.query(USER_ORDERS, { representations: users(ada.id) }, 'grace');
    expect(errorCodes(asGrace)).toEqual(['FORBIDDEN']);
    expect(asGrace.body.data?._entities[0]).toBeNull();
    const asAda = await stack.query(USER_ORDERS, { representations: users(ada.id, grace.id) }, 'ada');
    expect(errorCodes(asAda)).toEqual(['FORBIDDEN']);
    expect(asAda.body.data?._entities[0].orders.totalCount).toBe(3);
    expect(asAda.body.data?._entities[1]).toBeNull();
    expect(errorCodes(await stack.query(USER_ORDERS, { representations: users(ada.id) }))).toEqual(['UNAUTHENTICATED']);
  });

  it("shows admins everyone's orders in one request, empty for users without orders", async () => {
    const response = await stack.query(USER_ORDERS, { representations: users(ada.id, grace.id, admin.id) }, 'admin');
    expect(response.body.errors).toBeUndefined();
    const [adaOrders, graceOrders, adminOrders] = response.body.data!._entities.map((user: any) => user.orders);
    expect(adaOrders.nodes.map((node: { id: string }) => node.id)).toEqual([ada3, ada2, ada1]);
    expect(graceOrders.nodes.map((node: { id: string }) => node.id)).toEqual([grace1]);
    expect(adminOrders).toMatchObject({ totalCount: 0, nodes: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it('pages with keyset cursors', async () => {
    const first = await stack.query(USER_ORDERS, { representations: users(ada.id), first: 2 }, 'ada');
    const page1 = first.body.data?._entities[0].orders;
    expect(page1.nodes.map((node: { id: string }) => node.id)).toEqual([ada3, ada2]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    expect(page1.totalCount).toBe(3);
    const second = await stack.query(
      USER_ORDERS,
      { representations: users(ada.id), first: 2, after: page1.pageInfo.endCursor },
      'ada',
    );
    const page2 = second.body.data?._entities[0].orders;
    expect(page2.nodes.map((node: { id: string }) => node.id)).toEqual([ada1]);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    expect(page2.totalCount).toBe(3);
  });

  it('rejects first outside 1..100 and malformed cursors', async () => {
    for (const first of [0, -1, 101]) {
      expect(errorCodes(await stack.query(USER_ORDERS, { representations: users(ada.id), first }, 'ada'))).toEqual([
        'BAD_USER_INPUT',
      ]);
    }
    expect(errorCodes(await stack.query(USER_ORDERS, { representations: users(ada.id), first: 100 }, 'ada'))).toEqual([]);
    for (const after of ['garbage', Buffer.from('2026-01-01T00:00:00.000Z|nope').toString('base64url')]) {
      expect(errorCodes(await stack.query(USER_ORDERS, { representations: users(ada.id), after }, 'ada'))).toEqual([
        'BAD_USER_INPUT',
      ]);
    }
  });
});

describe('Query.orders', () => {
  it('lists every order newest first for admins', async () => {
    const response = await stack.query(ALL_ORDERS, {}, 'admin');
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.orders.totalCount).toBe(4);
    expect(response.body.data?.orders.nodes).toEqual([
      { id: ada3, status: 'PENDING', buyer: { id: ada.id } },
      { id: grace1, status: 'CONFIRMED', buyer: { id: grace.id } },
      { id: ada2, status: 'CONFIRMED', buyer: { id: ada.id } },
      { id: ada1, status: 'SHIPPED', buyer: { id: ada.id } },
    ]);
  });

  it('filters by status and pages', async () => {
    const confirmed = await stack.query(ALL_ORDERS, { status: 'CONFIRMED', first: 1 }, 'admin');
    expect(confirmed.body.data?.orders).toMatchObject({
      totalCount: 2,
      pageInfo: { hasNextPage: true },
      nodes: [{ id: grace1 }],
    });
    const next = await stack.query(
      ALL_ORDERS,
      { status: 'CONFIRMED', first: 1, after: confirmed.body.data?.orders.pageInfo.endCursor },
      'admin',
    );
    expect(next.body.data?.orders).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: false }, nodes: [{ id: ada2 }] });
  });

  it('is for admins only', async () => {
    expect(errorCodes(await stack.query(ALL_ORDERS, {}, 'ada'))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await stack.query(ALL_ORDERS, {}))).toEqual(['UNAUTHENTICATED']);
  });

  it('rejects first outside 1..100 and malformed cursors', async () => {
    expect(errorCodes(await stack.query(ALL_ORDERS, { first: 0 }, 'admin'))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(ALL_ORDERS, { first: 101 }, 'admin'))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await stack.query(ALL_ORDERS, { after: 'x' }, 'admin'))).toEqual(['BAD_USER_INPUT']);
  });
});
