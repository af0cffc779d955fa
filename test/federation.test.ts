import { categories, products } from '@storefront/catalog/seed-data';
import { orders as seedOrders } from '@storefront/orders/seed-data';
import { ada } from '@storefront/users/seed-data';
import { errorCodes, graphql } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { logIn } from './support/session.js';
import { startStack, type Stack } from './support/stack.js';

const ADA_ORDERS = /* GraphQL */ `
  query AdaOrders {
    me {
      name
      email
      orders(first: 10) {
        totalCount
        nodes {
          number
          status
          total {
            amount
            currency
          }
          items {
            quantity
            unitPrice {
              amount
            }
            product {
              name
              category {
                name
              }
            }
          }
          buyer {
            name
          }
        }
      }
    }
  }
`;

function expectedOrdersOf(buyerId: string) {
  return seedOrders
    .filter((order) => order.buyerId === buyerId)
    .sort((a, b) => b.placedAt.getTime() - a.placedAt.getTime())
    .map((order) => ({
      status: order.status,
      total: order.lines.reduce((sum, line) => sum + line.quantity * line.unitPriceAmount, 0),
      items: order.lines.map((line) => {
        const product = products.find((candidate) => candidate.id === line.productId)!;
        return {
          quantity: line.quantity,
          unitPrice: { amount: line.unitPriceAmount },
          product: { name: product.name, category: { name: categories.find((c) => c.id === product.categoryId)!.name } },
        };
      }),
    }));
}

describe('the gateway joins the three subgraphs', () => {
  let stack: Stack;
  let adaToken: string;

  beforeAll(async () => {
    stack = await startStack();
    adaToken = await logIn(stack.gatewayUrl, ada.email, ada.password);
  });
  afterAll(() => stack?.stop());

  it("returns ada's orders with items, products, categories and buyer from the seed", async () => {
    const response = await graphql(stack.gatewayUrl, ADA_ORDERS, {}, { token: adaToken });
    expect(response.body.errors).toBeUndefined();
    const me = response.body.data!.me;
    expect(me.name).toBe(ada.name);
    expect(me.email).toBe(ada.email);
    expect(me.orders.totalCount).toBe(3);
    const expected = expectedOrdersOf(ada.id);
    expect(
      me.orders.nodes.map((order: any) => ({ status: order.status, total: order.total.amount, items: order.items })),
    ).toEqual(expected);
    for (const order of me.orders.nodes) {
      expect(order.number).toMatch(/^SF-\d{6}$/);
      expect(order.total.currency).toBe('USD');
      expect(order.buyer.name).toBe(ada.name);
    }
  });

  it('echoes a well-formed request id and makes one up otherwise', async () => {
    const given = await graphql(stack.gatewayUrl, '{ __typename }', {}, { headers: { 'x-request-id': 'test-req-123' } });
    expect(given.headers.get('x-request-id')).toBe('test-req-123');
    const invented = await graphql(stack.gatewayUrl, '{ __typename }', {}, { headers: { 'x-request-id': 'not <acceptable>' } });
    expect(invented.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a forged token before any subgraph sees it', async () => {
    const [header, payload] = adaToken.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(43)}`;
    const response = await graphql(stack.gatewayUrl, '{ me { id } }', {}, { token: forged });
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.body.data ?? null).toBeNull();
  });

  it('serves health and metrics', async () => {
    const base = stack.gatewayUrl.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { supergraph: 'up' } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/gateway_subgraph_request_duration_seconds_count\{[^}]*subgraph="orders",outcome="ok"\} [1-9]/);
  });
});
