import { orders as seedOrders } from '@storefront/orders/seed-data';
import { ada } from '@storefront/users/seed-data';
import { errorCodes, graphql, type GraphQLResponse } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startStallingProxy, type StallingProxy } from './support/proxy.js';
import { logIn } from './support/session.js';
import { startStack, type Stack } from './support/stack.js';

const TIMEOUT_MS = 750;
const adaOrder = seedOrders.find((order) => order.buyerId === ada.id)!;

const ORDER_WITH_PRODUCTS = /* GraphQL */ `
  query ($id: ID!) {
    me {
      name
    }
    order(id: $id) {
      status
      items {
        quantity
        product {
          name
        }
      }
    }
  }
`;

/** Partial data: users' and orders' fields intact, catalog's fields null, one coded error. */
function expectCatalogMissing(response: GraphQLResponse, code: string) {
  expect(response.status).toBe(200);
  const data = response.body.data!;
  expect(data.me.name).toBe(ada.name);
  expect(data.order.status).toBe(adaOrder.status);
  expect(data.order.items.map((item: any) => item.quantity)).toEqual(adaOrder.lines.map((line) => line.quantity));
  expect(data.order.items.every((item: any) => item.product === null)).toBe(true);
  expect(errorCodes(response)).toContain(code);
  // Each error names a field the failed fetch should have filled: one per product entity and field, as Apollo Router does.
  const paths = response.body.errors!.map((error) => error.path);
  const expected = adaOrder.lines.flatMap((_line, index) => [['order', 'items', index, 'product', 'name']]);
  expect(paths).toEqual(expect.arrayContaining(expected));
  expect(paths.every((path) => path !== undefined && /^order\.items\.\d+\.product\.name$/.test(path.join('.')))).toBe(true);
  // Nothing about where the subgraph runs reaches the client.
  expect(JSON.stringify(response.body)).not.toMatch(/127\.0\.0\.1|localhost|ECONNREFUSED|https?:\/\//);
}

describe('a slow or dead subgraph', () => {
  let stack: Stack;
  let proxy: StallingProxy | undefined;
  let token: string;

  beforeAll(async () => {
    stack = await startStack({
      subgraphTimeoutMs: TIMEOUT_MS,
      gatewayUrlFor: async (name, url) => {
        if (name !== 'catalog') return url;
        proxy = await startStallingProxy(url);
        return proxy.url;
      },
    });
    token = await logIn(stack.gatewayUrl, ada.email, ada.password);
  });
  afterAll(async () => {
    await proxy?.close();
    await stack?.stop();
  });

  it('answers in full while every subgraph is healthy', async () => {
    const response = await graphql(stack.gatewayUrl, ORDER_WITH_PRODUCTS, { id: adaOrder.id }, { token });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.order.items.every((item: any) => typeof item.product.name === 'string')).toBe(true);
  });

  it('gives partial data and GATEWAY_TIMEOUT when a subgraph hangs, instead of hanging too', async () => {
    proxy!.stall();
    try {
      const response = await graphql(stack.gatewayUrl, ORDER_WITH_PRODUCTS, { id: adaOrder.id }, { token });
      expectCatalogMissing(response, 'GATEWAY_TIMEOUT');
      const timeout = response.body.errors!.find((error) => error.extensions?.code === 'GATEWAY_TIMEOUT')!;
      expect(timeout.message).toBe('The catalog service did not answer in time.');
    } finally {
      proxy!.resume();
    }
  });

  it('recovers as soon as the subgraph answers again', async () => {
    const response = await graphql(stack.gatewayUrl, ORDER_WITH_PRODUCTS, { id: adaOrder.id }, { token });
    expect(response.body.errors).toBeUndefined();
  });

  it('gives partial data and SUBGRAPH_UNAVAILABLE when a subgraph is down', async () => {
    await stack.stopSubgraph('catalog');
    const response = await graphql(stack.gatewayUrl, ORDER_WITH_PRODUCTS, { id: adaOrder.id }, { token });
    expectCatalogMissing(response, 'SUBGRAPH_UNAVAILABLE');
  });

  it('puts the error of a failed root fetch at each root field it should have filled, by its response key', async () => {
    const response = await graphql(
      stack.gatewayUrl,
      /* GraphQL */ `
        query {
          me {
            name
          }
          shelf: category(slug: "kitchen") {
            name
          }
          product(slug: "anything") {
            name
          }
        }
      `,
      {},
      { token },
    );
    expect(response.body.data).toEqual({ me: { name: ada.name }, shelf: null, product: null });
    expect(response.body.errors!.map((error) => [error.path, error.extensions?.code])).toEqual(
      expect.arrayContaining([
        [['shelf'], 'SUBGRAPH_UNAVAILABLE'],
        [['product'], 'SUBGRAPH_UNAVAILABLE'],
      ]),
    );
    expect(response.body.errors!.every((error) => error.path !== undefined)).toBe(true);
  });
});
