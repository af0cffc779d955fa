// The whole stack on a Redis Cluster (three masters started from the installed redis-server):
// the web BFF's response cache, its sessions and rate limits, and the event streams all live
// on the cluster, spread over its slots. The Redis-level suites (cache store, persisted
// queries, rate limits, event bus) run against a cluster too; this file shows the parts
// working together: a cached page, an invalidation carried by an event, an order confirmed
// through the streams.
import { products } from '@storefront/catalog/seed-data';
import { admin, ada } from '@storefront/users/seed-data';
import { eventually, graphql, startRedisCluster, type TestRedisCluster } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { logIn } from './support/session.js';
import { startStack, type Stack } from './support/stack.js';
import { WebClient } from './support/web-client.js';

const until = <T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000) =>
  eventually(read, done, 'the condition', { timeoutMs, intervalMs: 25 });

const RENAME = 'mutation ($id: ID!, $name: String!) { updateProduct(id: $id, input: { name: $name }) { userErrors { code } } }';
const ORDER = 'query ($id: ID!) { order(id: $id) { status } }';
const STOCK = 'query ($id: ID!) { product(id: $id) { stockQuantity } }';

describe('the stack on a Redis Cluster', () => {
  // Kept as a promise: a start that outlives a timed-out hook is still stopped after.
  let cluster: Promise<TestRedisCluster> | undefined;
  let stack: Stack;
  let tokens: { ada: string; admin: string };

  // Longer than the default hook timeout: the cluster's start comes on top of the stack's.
  beforeAll(async () => {
    cluster = startRedisCluster();
    stack = await startStack({ redis: (await cluster).connection, events: true, web: true });
    tokens = {
      ada: await logIn(stack.gatewayUrl, ada.email, ada.password),
      admin: await logIn(stack.gatewayUrl, admin.email, admin.password),
    };
  }, 120_000);
  afterAll(async () => {
    try {
      await stack?.stop();
    } finally {
      if (cluster) await (await cluster).stop();
    }
  });

  it('answers a repeated product page from the cache, and a signed-in caller their own cached Viewer', async () => {
    const product = products[3]!;
    const anonymous = new WebClient(stack.webUrl);
    const first = await anonymous.send('ProductPage', { slug: product.slug });
    expect(first.headers.get('x-cache')).toBe('MISS');
    const second = await anonymous.send('ProductPage', { slug: product.slug });
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(second.body).toEqual(first.body);

    const web = new WebClient(stack.webUrl);
    await web.send('LogIn', { email: ada.email, password: ada.password });
    expect((await web.send('Viewer', { ordersFirst: 5 })).headers.get('x-cache')).toBe('MISS');
    const viewer = await web.send('Viewer', { ordersFirst: 5 });
    expect(viewer.headers.get('x-cache')).toBe('HIT');
    expect(viewer.body.data!.viewer.email).toBe(ada.email);
  });

  it('drops the cached page when the catalog announces a change of the product (an event through the cluster)', async () => {
    const product = products[5]!;
    const anonymous = new WebClient(stack.webUrl);
    await anonymous.send('ProductPage', { slug: product.slug });
    expect((await anonymous.send('ProductPage', { slug: product.slug })).headers.get('x-cache')).toBe('HIT');

    // Renamed through the gateway: the web BFF hears of it only from the catalog's event.
    const name = `${product.name} (renamed on the cluster)`;
    const renamed = await graphql(stack.gatewayUrl, RENAME, { id: product.id, name }, { token: tokens.admin });
    expect(renamed.body.data!.updateProduct.userErrors).toEqual([]);
    const page = await until(
      () => anonymous.send('ProductPage', { slug: product.slug }),
      (response) => response.body.data!.product.name === name,
    );
    expect(page.headers.get('x-cache')).toBe('MISS');
  });

  it('confirms an order placed through the web BFF: the event travels orders → catalog → orders on the cluster', async () => {
    const product = products.find((candidate) => candidate.stockQuantity >= 10)!;
    const stockOf = async () =>
      (await graphql(stack.gatewayUrl, STOCK, { id: product.id })).body.data!.product.stockQuantity as number;
    const before = await stockOf();
    const web = new WebClient(stack.webUrl);
    await web.send('LogIn', { email: ada.email, password: ada.password });
    const placed = await web.send('PlaceOrder', {
      input: { items: [{ productId: product.id, quantity: 2 }] },
      idempotencyKey: 'cluster-order-1',
    });
    const orderId = placed.body.data!.placeOrder.order.id as string;

    await until(
      async () =>
        (await graphql(stack.gatewayUrl, ORDER, { id: orderId }, { token: tokens.ada })).body.data!.order.status as string,
      (status) => status === 'CONFIRMED',
    );
    expect(await stockOf()).toBe(before - 2);
    expect(await stack.deadLetters()).toEqual([]);
  });
});
