import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cacheControlTypeDefs, persistedQueryId } from '@storefront/bff';
import { products } from '@storefront/catalog/seed-data';
import { orders as seedOrders } from '@storefront/orders/seed-data';
import { users } from '@storefront/users/seed-data';
import { buildSchema, parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadClientOperations } from '../scripts/lib/client-operations.js';
import { holdProduct, mobileSocket, UUID } from './support/live.js';
import { send } from './support/mobile.js';
import { startStack, type BffInstance, type Stack } from './support/stack.js';

const ada = users.find((user) => user.email === 'ada@example.com')!;
const grace = users.find((user) => user.email === 'grace@example.com')!;
const inStock = products.filter((product) => product.stockQuantity >= 20).slice(10);
const PRODUCTION_SECRET = 'a-production-secret-for-the-live-tests-0123456789';

type OrderRow = { id: string; number: string; status: string; totalLabel: string; cancelReason: string | null };
type OrderUpdates = { orderUpdated: OrderRow };
type MyOrderUpdates = { myOrderUpdated: OrderRow };

describe('mobile live updates (GraphQL over WebSocket, real Postgres and Redis)', () => {
  let stack: Stack;
  let adaToken: string;
  let graceToken: string;
  let production: BffInstance;

  async function logIn(email: string, password: string) {
    const response = await send(stack.mobileUrl, 'LogIn', { email, password });
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.logIn.session.accessToken as string;
  }

  async function placeOrder(token: string, productId: string, quantity: number) {
    const response = await send(
      stack.mobileUrl,
      'PlaceOrder',
      { items: [{ productId, quantity }], idempotencyKey: randomUUID() },
      { token },
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.placeOrder.error).toBeNull();
    return response.body.data!.placeOrder.order as OrderRow;
  }

  beforeAll(async () => {
    // Production-strength secrets everywhere, so a production instance can stand beside the test one.
    stack = await startStack({ events: true, mobile: true, relayIntervalMs: 1_500, env: { JWT_SECRET: PRODUCTION_SECRET } });
    [adaToken, graceToken] = await Promise.all([logIn(ada.email, ada.password), logIn(grace.email, grace.password)]);
    production = await stack.startMobile({ NODE_ENV: 'production' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('has a Subscription root that the contract validates against', () => {
    const schema = buildSchema(
      cacheControlTypeDefs + readFileSync(new URL('../bff-mobile/schema.graphql', import.meta.url), 'utf8'),
    );
    expect(schema.getSubscriptionType()?.name).toBe('Subscription');
    const live = [...loadClientOperations('mobile').values()].filter((operation) => operation.type === 'subscription');
    expect(live.map((operation) => operation.name).sort()).toEqual(['MyOrderUpdates', 'OrderUpdates']);
    for (const operation of live) expect(validate(schema, parse(operation.document))).toEqual([]);
  });

  it('sends a new order PENDING, then CONFIRMED, labelled in the language of the upgrade request', async () => {
    // The catalog cannot reserve until released, so the order is surely PENDING when the subscription reads it.
    const hold = await holdProduct(stack.subgraphs.catalog.database.url, inStock[0]!.id);
    const order = await placeOrder(adaToken, inStock[0]!.id, 1);
    const socket = mobileSocket(stack.mobileUrl, `Bearer ${adaToken}`, { 'accept-language': 'de-DE' });
    try {
      const followed = socket.follow<OrderUpdates>('OrderUpdates', { id: order.id });
      await followed.until((data) => data.length === 1, 'the current state');
      await hold.release();
      const seen = await followed.until(
        (data) => data.some((payload) => payload.orderUpdated.status === 'CONFIRMED'),
        'CONFIRMED',
      );
      expect(seen.map((payload) => payload.orderUpdated.status)).toEqual(['PENDING', 'CONFIRMED']);
      expect(seen[1]!.orderUpdated.totalLabel).toMatch(/€|\$/);
      expect(seen[1]!.orderUpdated.totalLabel).toContain(','); // German decimal comma
      expect(seen[1]!.orderUpdated.cancelReason).toBeNull();
    } finally {
      await hold.release().catch(() => undefined);
      await socket.close();
    }
  });

  it("sends the user's open orders first, newest first, then every change to their orders, from any device", async () => {
    const socket = mobileSocket(stack.mobileUrl, `Bearer ${adaToken}`);
    try {
      // What the app's order list shows right now, through the query.
      const listed = await send(stack.mobileUrl, 'MyOrders', { first: 50 }, { token: adaToken });
      const open = (listed.body.data!.myOrders.nodes as OrderRow[])
        .filter((order) => order.status === 'PENDING' || order.status === 'CONFIRMED')
        .slice(0, 20);
      const seedOpen = seedOrders.filter(
        (order) => order.buyerId === ada.id && (order.status === 'PENDING' || order.status === 'CONFIRMED'),
      );
      expect(open.map((order) => order.id)).toEqual(expect.arrayContaining(seedOpen.map((order) => order.id)));
      const followed = socket.follow<MyOrderUpdates>('MyOrderUpdates');
      const first = await followed.until((data) => data.length >= open.length, 'the open orders');
      expect(first.slice(0, open.length).map((payload) => payload.myOrderUpdated)).toEqual(
        open.map((order) => ({ ...order, cancelReason: null })),
      );
      // Placed from "another device" (plain HTTP): the subscription hears of it, PENDING first (the catalog is held).
      const hold = await holdProduct(stack.subgraphs.catalog.database.url, inStock[1]!.id);
      const order = await placeOrder(adaToken, inStock[1]!.id, 1);
      await followed
        .until((data) => data.some((payload) => payload.myOrderUpdated.id === order.id), 'the new order, PENDING')
        .finally(() => hold.release());
      const seen = await followed.until(
        (data) => data.some((payload) => payload.myOrderUpdated.id === order.id && payload.myOrderUpdated.status === 'CONFIRMED'),
        'the new order confirmed',
      );
      expect(
        seen.filter((payload) => payload.myOrderUpdated.id === order.id).map((payload) => payload.myOrderUpdated.status),
      ).toEqual(['PENDING', 'CONFIRMED']);
      // Grace's orders never reach ada.
      await placeOrder(graceToken, inStock[2]!.id, 1);
      expect(
        followed
          .data()
          .every(
            (payload) =>
              open.some((listedOrder) => listedOrder.id === payload.myOrderUpdated.id) || payload.myOrderUpdated.id === order.id,
          ),
      ).toBe(true);
    } finally {
      await socket.close();
    }
  });

  it('sends CANCELLED with a reason that names no internal id', async () => {
    const product = inStock[3]!;
    // More than the stock in one order and the rest in another: the catalog cannot fill the second.
    const big = await placeOrder(adaToken, product.id, product.stockQuantity);
    const extra = await placeOrder(adaToken, product.id, 1);
    const socket = mobileSocket(stack.mobileUrl, `Bearer ${adaToken}`);
    try {
      const followers = [big, extra].map((order) => socket.follow<OrderUpdates>('OrderUpdates', { id: order.id }));
      const finals = await Promise.all(
        followers.map(
          async (followed) =>
            (
              await followed.until((data) => data.some((payload) => payload.orderUpdated.status !== 'PENDING'), 'a final status')
            ).at(-1)!.orderUpdated,
        ),
      );
      expect(finals.map((order) => order.status).sort()).toEqual(['CANCELLED', 'CONFIRMED']);
      const cancelled = finals.find((order) => order.status === 'CANCELLED')!;
      expect(cancelled.cancelReason).toContain(product.name);
      expect(cancelled.cancelReason).not.toMatch(UUID);
    } finally {
      await socket.close();
    }
  });

  it('closes with 4401 without a token or with a forged one, and refuses another buyer with FORBIDDEN', async () => {
    for (const authorization of [undefined, 'Bearer not.a.token', `Bearer ${adaToken.slice(0, -4)}AAAA`]) {
      const socket = mobileSocket(stack.mobileUrl, authorization);
      const followed = socket.follow<MyOrderUpdates>('MyOrderUpdates');
      await followed.untilEnded('the refusal');
      expect(socket.closes.map((close) => close.code)).toEqual([4401]);
      await socket.close();
    }
    const order = await placeOrder(adaToken, inStock[4]!.id, 1);
    const socket = mobileSocket(stack.mobileUrl, `Bearer ${graceToken}`);
    try {
      const followed = socket.follow<OrderUpdates>('OrderUpdates', { id: order.id });
      await followed.untilEnded('the refusal');
      expect(followed.data()).toEqual([]);
      expect(followed.errorCodes()).toEqual(['FORBIDDEN']);
    } finally {
      await socket.close();
    }
  });

  it("runs a persisted subscription sent by its hash, and in production only the manifest's documents", async () => {
    const operation = loadClientOperations('mobile').get('MyOrderUpdates')!;
    const hash = persistedQueryId(operation.document);
    for (const url of [stack.mobileUrl, production.url]) {
      const socket = mobileSocket(url, `Bearer ${adaToken}`);
      try {
        const followed = socket.follow<MyOrderUpdates>('MyOrderUpdates', {}, { hashOnly: hash });
        await followed.until((data) => data.length >= 1, 'the open orders, by hash');
      } finally {
        await socket.close();
      }
    }
    const socket = mobileSocket(production.url, `Bearer ${adaToken}`);
    try {
      const adHoc = socket.followDocument('subscription Mine { myOrderUpdated { id status } }');
      await adHoc.untilEnded('the refusal');
      expect(adHoc.errorCodes()).toEqual(['PERSISTED_QUERY_NOT_IN_SAFELIST']);
    } finally {
      await socket.close();
    }
  });

  it('limits subscriptions per connection, and closes sockets with 1001 when an instance shuts down', async () => {
    const instance = await stack.startMobile({ LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2' });
    const socket = mobileSocket(instance.url, `Bearer ${adaToken}`);
    const open = [0, 1].map(() => socket.follow<MyOrderUpdates>('MyOrderUpdates'));
    for (const followed of open) await followed.until((data) => data.length >= 1, 'the open orders');
    const third = socket.follow<MyOrderUpdates>('MyOrderUpdates');
    await third.untilEnded('the refusal');
    expect(third.errorCodes()).toEqual(['TOO_MANY_SUBSCRIPTIONS']);
    expect(await instance.metrics()).toMatch(/bff_live_subscriptions\{client="mobile"[^}]*\} 2\n/);
    await instance.stop();
    for (const followed of open) await followed.untilEnded('the socket to close');
    expect(socket.closes.map((close) => close.code)).toEqual([1001]);
    await socket.close();
  });
});
