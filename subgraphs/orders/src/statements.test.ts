import { randomUUID } from 'node:crypto';
import { products } from '@storefront/catalog/seed-data';
import { ada, admin, grace } from '@storefront/users/seed-data';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requestHash } from './lines.js';
import { startTestStack, type TestStack } from '../test/support.js';

/**
 * One GraphQL operation costs a fixed number of SQL statements, whatever the list sizes: the
 * lists and their children go through per-request DataLoaders.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const ALL_ORDERS = `query($first: Int) {
  orders(first: $first) {
    totalCount
    nodes { id number itemCount total { amount } buyer { id } items { quantity unitPrice { amount } product { id } } }
  }
}`;

const USER_ORDERS = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on User { id orders(first: 20) { totalCount nodes { id number itemCount buyer { id } items { quantity product { id } } } } }
  }
}`;

async function cost(query: string, variables: Record<string, unknown>, expectedNodes: number) {
  let nodes = 0;
  const statements = await stack.statementsDuring(async () => {
    const response = await stack.query(query, variables, 'admin');
    expect(response.body.errors).toBeUndefined();
    const data = response.body.data!;
    nodes = data.orders
      ? data.orders.nodes.length
      : data._entities.reduce((sum: number, user: any) => sum + user.orders.nodes.length, 0);
  });
  expect(nodes).toBe(expectedNodes);
  return statements;
}

/** `count` more orders for `buyerId`, each with three lines, written directly. */
async function addOrders(buyerId: string, count: number) {
  for (let index = 0; index < count; index++) {
    const lines = [0, 1, 2].map((offset) => ({
      productId: products[(index + offset) % products.length]!.id,
      quantity: 1 + offset,
    }));
    await stack.server.prisma.order.create({
      data: {
        buyerId,
        totalAmount: 100,
        currency: 'USD',
        idempotencyKey: `bulk-${index}`,
        requestHash: requestHash(lines),
        placedAt: new Date(Date.UTC(2025, 0, 1, 0, index)),
        items: { create: lines.map((line, position) => ({ ...line, unitPriceAmount: 100, position })) },
      },
    });
  }
}

describe('statement counts', () => {
  it('Query.orders costs the same for 3 and 4 seed orders', async () => {
    const three = await cost(ALL_ORDERS, { first: 3 }, 3);
    expect(await cost(ALL_ORDERS, { first: 4 }, 4)).toBe(three);
    // The page, its count, and every order's lines.
    expect(three).toBeLessThanOrEqual(3);
  });

  it('User.orders costs the same for 1 and 3 users resolved in one _entities call', async () => {
    const one = await cost(USER_ORDERS, { representations: [{ __typename: 'User', id: ada.id }] }, 3);
    const three = await cost(
      USER_ORDERS,
      { representations: [ada, grace, admin].map(({ id }) => ({ __typename: 'User', id })) },
      4,
    );
    expect(three).toBe(one);
  });

  it('costs the same for 10 and 50 orders', async () => {
    await addOrders(randomUUID(), 30);
    await addOrders(grace.id, 30);
    const ten = await cost(ALL_ORDERS, { first: 10 }, 10);
    expect(await cost(ALL_ORDERS, { first: 50 }, 50)).toBe(ten);

    const users = (...ids: string[]) => ids.map((id) => ({ __typename: 'User', id }));
    const few = await cost(USER_ORDERS, { representations: users(ada.id) }, 3);
    // grace now has 31 orders: 20 on the page; ada 3; admin none.
    expect(await cost(USER_ORDERS, { representations: users(ada.id, grace.id, admin.id, randomUUID()) }, 23)).toBe(few);
  });
});
