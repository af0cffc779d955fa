import { products } from '@storefront/catalog/seed-data';
import { admin, ada, grace } from '@storefront/users/seed-data';
import { graphql } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { logIn } from './support/session.js';
import { startStack, type Stack } from './support/stack.js';

const ALL_ORDERS = /* GraphQL */ `
  query ($first: Int!) {
    orders(first: $first) {
      nodes {
        number
        itemCount
        total {
          amount
        }
        items {
          quantity
          product {
            name
            price {
              amount
            }
            category {
              name
            }
          }
        }
        buyer {
          name
          email
          orders(first: 2) {
            totalCount
          }
        }
      }
    }
  }
`;

/** SQL statements each subgraph sends while the gateway answers one operation. */
async function statementsFor(stack: Stack, run: () => Promise<unknown>) {
  const names = ['users', 'catalog', 'orders'] as const;
  const before = await Promise.all(names.map((name) => stack.subgraphs[name].statements()));
  await run();
  const after = await Promise.all(names.map((name) => stack.subgraphs[name].statements()));
  return Object.fromEntries(names.map((name, index) => [name, after[index]! - before[index]!]));
}

describe('SQL statements per operation do not grow with list sizes (no N+1)', () => {
  let stack: Stack;
  let adminToken: string;

  beforeAll(async () => {
    stack = await startStack();
    adminToken = await logIn(stack.gatewayUrl, admin.email, admin.password);
    const buyers = await Promise.all([ada, grace].map((user) => logIn(stack.gatewayUrl, user.email, user.password)));
    const inStock = products.filter((product) => product.stockQuantity >= 10);
    // 50 more orders, two lines each, alternating buyers: 54 with the seed.
    for (let batch = 0; batch < 5; batch += 1) {
      await Promise.all(
        Array.from({ length: 10 }, (_, index) => {
          const n = batch * 10 + index;
          const items = [inStock[n % inStock.length]!, inStock[(n + 7) % inStock.length]!].map((product) => ({
            productId: product.id,
            quantity: 1,
          }));
          return graphql(
            stack.gatewayUrl,
            'mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { order { id } userErrors { code } } }',
            { input: { items }, key: `bulk-${n}` },
            { token: buyers[n % 2] },
          ).then((response) => expect(response.body.data?.placeOrder.order?.id).toBeTruthy());
        }),
      );
    }
  });
  afterAll(() => stack?.stop());

  it('costs the same for 10 orders as for 50, per subgraph', async () => {
    const run = (first: number) => async () => {
      const response = await graphql(stack.gatewayUrl, ALL_ORDERS, { first }, { token: adminToken });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.orders.nodes).toHaveLength(first);
    };
    const small = await statementsFor(stack, run(10));
    const large = await statementsFor(stack, run(50));
    console.log('SQL statements per subgraph, 10 orders:', small, '50 orders:', large);
    expect(large).toEqual(small);
    for (const count of Object.values(small)) expect(count).toBeGreaterThan(0);
  });
});
