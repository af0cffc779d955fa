import { readFileSync } from 'node:fs';
import { products } from '@storefront/catalog/seed-data';
import { users } from '@storefront/users/seed-data';
import { cacheControlTypeDefs } from '@storefront/bff';
import { buildSchema, parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadClientOperations } from '../scripts/lib/client-operations.js';
import { followWeb, holdProduct, UUID } from './support/live.js';
import { startStack, type Stack } from './support/stack.js';
import { freshKey, money, signedIn } from './support/web.js';
import { WebClient } from './support/web-client.js';

const ada = users.find((user) => user.email === 'ada@example.com')!;
const grace = users.find((user) => user.email === 'grace@example.com')!;
const admin = users.find((user) => user.role === 'ADMIN')!;
// Products of their own per test, so stock changes never meet.
const inStock = products.filter((product) => product.stockQuantity >= 20);
const [orderedProduct, lastUnitProduct, followedProduct, reconnectProduct, replicaProduct] = inStock;

type OrderStatus = { orderUpdated: { id: string; number: string; status: string; cancelReason: string | null } };
type ProductStock = {
  productUpdated: {
    id: string;
    inStock: boolean;
    price: { amount: number; formatted: string };
    stock: { available: boolean; quantity: number };
  };
};

describe('web live updates (GraphQL over SSE, real Postgres and Redis)', () => {
  let stack: Stack;
  let adaBrowser: WebClient;
  let adminBrowser: WebClient;

  beforeAll(async () => {
    // A slower relay keeps a new order PENDING long enough to be seen PENDING first.
    stack = await startStack({ events: true, web: true, relayIntervalMs: 1_500 });
    adaBrowser = await signedIn(stack.webUrl, ada);
    adminBrowser = await signedIn(stack.webUrl, admin);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function placeOrder(browser: WebClient, productId: string, quantity: number) {
    const response = await browser.send('PlaceOrder', {
      input: { items: [{ productId, quantity }] },
      idempotencyKey: freshKey(),
    });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.placeOrder.userErrors).toEqual([]);
    return response.body.data!.placeOrder.order as { id: string; number: string; status: string };
  }

  it('has a Subscription root that the contract validates against (graphql-js would otherwise accept any subscription)', () => {
    const schema = buildSchema(
      cacheControlTypeDefs + readFileSync(new URL('../bff-web/schema.graphql', import.meta.url), 'utf8'),
    );
    expect(schema.getSubscriptionType()?.name).toBe('Subscription');
    const live = [...loadClientOperations('web').values()].filter((operation) => operation.type === 'subscription');
    expect(live.map((operation) => operation.name).sort()).toEqual(['OrderStatus', 'ProductStock']);
    for (const operation of live) expect(validate(schema, parse(operation.document))).toEqual([]);
  });

  it('sends a new order PENDING, then CONFIRMED, to its buyer', async () => {
    // The catalog cannot reserve until released, so the order is surely PENDING when the subscription reads it.
    const hold = await holdProduct(stack.subgraphs.catalog.database.url, orderedProduct!.id);
    const order = await placeOrder(adaBrowser, orderedProduct!.id, 1);
    const followed = followWeb<OrderStatus>(stack.webUrl, adaBrowser, 'OrderStatus', { id: order.id });
    try {
      await followed.until((data) => data.length === 1, 'the current state');
      await hold.release();
      const seen = await followed.until(
        (data) => data.some((payload) => payload.orderUpdated.status === 'CONFIRMED'),
        'CONFIRMED',
      );
      expect(seen.map((payload) => payload.orderUpdated.status)).toEqual(['PENDING', 'CONFIRMED']);
      expect(seen[1]!.orderUpdated).toEqual({ id: order.id, number: order.number, status: 'CONFIRMED', cancelReason: null });
      expect(followed.errorCodes()).toEqual([]);
    } finally {
      followed.dispose();
      await hold.release().catch(() => undefined);
    }
  });

  it('sends CANCELLED with a reason that names no internal id to the buyer whose order could not be filled', async () => {
    const update = await adminBrowser.send('UpdateProduct', { id: lastUnitProduct!.id, input: { stockQuantity: 1 } });
    expect(update.body.data!.updateProduct.userErrors).toEqual([]);
    // Two orders for the last unit: both are accepted, the catalog can fill only one.
    const [first, second] = await Promise.all([
      placeOrder(adaBrowser, lastUnitProduct!.id, 1),
      placeOrder(adaBrowser, lastUnitProduct!.id, 1),
    ]);
    const followers = [first, second].map((order) =>
      followWeb<OrderStatus>(stack.webUrl, adaBrowser, 'OrderStatus', { id: order.id }),
    );
    try {
      const finals = await Promise.all(
        followers.map(async (followed) => {
          const seen = await followed.until(
            (data) => data.some((payload) => payload.orderUpdated.status !== 'PENDING'),
            'a final status',
          );
          return seen.at(-1)!.orderUpdated;
        }),
      );
      expect(finals.map((order) => order.status).sort()).toEqual(['CANCELLED', 'CONFIRMED']);
      const cancelled = finals.find((order) => order.status === 'CANCELLED')!;
      expect(cancelled.cancelReason).toContain(lastUnitProduct!.name);
      expect(cancelled.cancelReason).not.toMatch(UUID);
    } finally {
      for (const followed of followers) followed.dispose();
    }
  });

  it('shows an anonymous product page the stock dropping and an admin price change', async () => {
    const shopper = new WebClient(stack.webUrl, { 'accept-language': 'de-DE' });
    const followed = followWeb<ProductStock>(stack.webUrl, shopper, 'ProductStock', { id: followedProduct!.id });
    try {
      const [current] = await followed.until((data) => data.length === 1, 'the current state');
      expect(current!.productUpdated.stock).toEqual({ available: true, quantity: followedProduct!.stockQuantity });
      await placeOrder(adaBrowser, followedProduct!.id, 2);
      await followed.until(
        (data) => data.at(-1)!.productUpdated.stock.quantity === followedProduct!.stockQuantity - 2,
        'the stock drop',
      );
      const price = followedProduct!.priceAmount + 111;
      const update = await adminBrowser.send('UpdateProduct', { id: followedProduct!.id, input: { priceAmount: price } });
      expect(update.body.data!.updateProduct.userErrors).toEqual([]);
      const latest = await followed.until((data) => data.at(-1)!.productUpdated.price.amount === price, 'the new price');
      // Formatted for the subscriber's own Accept-Language, as its queries are.
      expect(latest.at(-1)!.productUpdated.price).toEqual(money(price, followedProduct!.currency, 'de-DE'));
      // Each state once: no payload repeats the one before it.
      const states = latest.map((payload) => JSON.stringify(payload));
      expect(states.filter((state, index) => state === states[index - 1])).toEqual([]);
    } finally {
      followed.dispose();
    }
  });

  it('renews an expired access cookie for a subscription, as for queries', async () => {
    const browser = await signedIn(stack.webUrl, ada);
    const order = await placeOrder(browser, orderedProduct!.id, 1);
    // The access cookie is gone (expired in the browser); the refresh cookie remains.
    const spentRefresh = browser.cookies.get('sf_refresh');
    browser.cookies.delete('sf_session');
    const followed = followWeb<OrderStatus>(stack.webUrl, browser, 'OrderStatus', { id: order.id });
    try {
      const [current] = await followed.until((data) => data.length >= 1, 'the order, as its signed-in buyer');
      expect(current!.orderUpdated.id).toBe(order.id);
      // The stream's response carried the renewed session: a new access cookie and a rotated refresh cookie.
      expect(browser.cookies.get('sf_session')).toBeDefined();
      expect(browser.cookies.get('sf_refresh')).toBeDefined();
      expect(browser.cookies.get('sf_refresh')).not.toBe(spentRefresh);
    } finally {
      followed.dispose();
    }
  });

  it("refuses another customer's and an anonymous subscription to an order with their codes", async () => {
    const order = await placeOrder(adaBrowser, orderedProduct!.id, 1);
    const graceBrowser = await signedIn(stack.webUrl, grace);
    const asGrace = followWeb<OrderStatus>(stack.webUrl, graceBrowser, 'OrderStatus', { id: order.id });
    const anonymous = followWeb<OrderStatus>(stack.webUrl, new WebClient(stack.webUrl), 'OrderStatus', { id: order.id });
    try {
      await Promise.all([asGrace.untilEnded('grace refused'), anonymous.untilEnded('anonymous refused')]);
      expect(asGrace.data().filter(Boolean)).toEqual([]);
      expect(asGrace.errorCodes()).toEqual(['FORBIDDEN']);
      expect(anonymous.errorCodes()).toEqual(['UNAUTHENTICATED']);
    } finally {
      asGrace.dispose();
      anonymous.dispose();
    }
  });

  it('ends the streams of a session that logs out, with UNAUTHENTICATED', async () => {
    const browser = await signedIn(stack.webUrl, ada);
    const followed = followWeb<ProductStock>(stack.webUrl, browser, 'ProductStock', { id: followedProduct!.id });
    try {
      await followed.until((data) => data.length === 1, 'the current state');
      expect((await browser.send('LogOut')).body.data).toEqual({ logOut: true });
      await followed.untilEnded('the stream to end');
      expect(followed.errorCodes()).toEqual(['UNAUTHENTICATED']);
      // Ada's other browser is another session: it goes on.
      const other = followWeb<ProductStock>(stack.webUrl, adaBrowser, 'ProductStock', { id: followedProduct!.id });
      await other.until((data) => data.length === 1, 'the other session still served');
      other.dispose();
    } finally {
      followed.dispose();
    }
  });

  it('gives a reconnecting client the current state first, so it misses no change', async () => {
    const shopper = new WebClient(stack.webUrl);
    const before = followWeb<ProductStock>(stack.webUrl, shopper, 'ProductStock', { id: reconnectProduct!.id });
    await before.until((data) => data.length === 1, 'the first state');
    before.dispose();
    const price = reconnectProduct!.priceAmount + 7;
    await adminBrowser.send('UpdateProduct', { id: reconnectProduct!.id, input: { priceAmount: price } });
    const after = followWeb<ProductStock>(stack.webUrl, shopper, 'ProductStock', { id: reconnectProduct!.id });
    try {
      const [current] = await after.until((data) => data.length === 1, 'the state after reconnecting');
      expect(current!.productUpdated.price.amount).toBe(price);
    } finally {
      after.dispose();
    }
  });

  it('tells a subscriber on each of two instances about the same event once', async () => {
    const replica = await stack.startWeb();
    const shopper = new WebClient(stack.webUrl);
    const followers = [stack.webUrl, replica.url].map((url) =>
      followWeb<ProductStock>(url, shopper, 'ProductStock', { id: replicaProduct!.id }),
    );
    try {
      for (const followed of followers) await followed.until((data) => data.length === 1, 'the current state');
      const price = replicaProduct!.priceAmount + 5;
      await adminBrowser.send('UpdateProduct', { id: replicaProduct!.id, input: { priceAmount: price } });
      for (const followed of followers) {
        const seen = await followed.until(
          (data) => data.at(-1)!.productUpdated.price.amount === price,
          'the change on each instance',
        );
        expect(seen).toHaveLength(2);
      }
    } finally {
      for (const followed of followers) followed.dispose();
      await replica.stop();
    }
  });

  it('refuses a subscription sent as a plain HTTP request with a clear error, not null', async () => {
    const operation = loadClientOperations('web').get('ProductStock')!;
    const response = await new WebClient(stack.webUrl).query(operation.document, { id: followedProduct!.id });
    expect(response.body.data ?? null).toBeNull();
    expect(response.body.errors?.[0]?.message).toMatch(/subscription/i);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });

  it('applies the document limits to subscription documents', async () => {
    const deep = `subscription Deep($id: ID!) { productUpdated(id: $id) { related { related { related { related { related { related { related { id } } } } } } } } }`;
    const response = await fetch(stack.webUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: deep, variables: { id: followedProduct!.id } }),
    });
    const text = await response.text();
    expect(text).toContain('QUERY_TOO_DEEP');
    expect(text).not.toContain('"productUpdated"');
  });
});

describe('web live limits and draining', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ events: true, web: true, webEnv: { LIVE_MAX_CONNECTIONS_PER_USER: '2' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses a connection beyond the per-user limit with TOO_MANY_CONNECTIONS, and serves again once one closes', async () => {
    const browser = await signedIn(stack.webUrl, ada);
    const product = inStock[6]!;
    const open = [0, 1].map(() => followWeb<ProductStock>(stack.webUrl, browser, 'ProductStock', { id: product.id }));
    for (const followed of open) await followed.until((data) => data.length === 1, 'the current state');
    const third = await browser.fetch(stack.webUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: loadClientOperations('web').get('ProductStock')!.document, variables: { id: product.id } }),
    });
    expect(third.status).toBe(429);
    expect(await third.json()).toEqual({
      errors: [
        { message: 'Too many open subscription connections for this account.', extensions: { code: 'TOO_MANY_CONNECTIONS' } },
      ],
    });
    open[0]!.dispose();
    const fourth = followWeb<ProductStock>(stack.webUrl, browser, 'ProductStock', { id: product.id });
    await fourth.until((data) => data.length === 1, 'served after one closed');
    for (const followed of [...open, fourth]) followed.dispose();
    const metrics = await stack.webMetrics();
    expect(metrics).toMatch(/bff_live_dropped_total\{client="web",reason="connection_limit"[^}]*\} 1\n/);
  });

  it('ends its streams without `complete` when an instance shuts down, so clients reconnect elsewhere', async () => {
    const replica = await stack.startWeb();
    const followed = followWeb<ProductStock>(replica.url, new WebClient(replica.url), 'ProductStock', { id: inStock[7]!.id });
    await followed.until((data) => data.length === 1, 'the current state');
    expect(await replica.metrics()).toMatch(/bff_live_connections\{client="web"[^}]*\} 1\n/);
    await replica.stop();
    await followed.untilEnded('the stream to end');
    expect(followed.completed).toBe(false);
    expect(followed.error).toBeDefined();
  });
});
