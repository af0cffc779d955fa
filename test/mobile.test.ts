import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { signAccessToken } from '@storefront/auth';
import { DEVELOPMENT_SECRET } from '@storefront/config';
import { RedisCacheStore } from '@storefront/bff';
import { createMobileServer } from '@storefront/bff-mobile/server';
import { loadMobileConfig } from '@storefront/bff-mobile/config';
import { products } from '@storefront/catalog/seed-data';
import { ada, grace } from '@storefront/users/seed-data';
import { expectLabelled, graphql, testRedis, testRedisUrl } from '@storefront/testing';
import { assertValidSchema, isEnumType, isInputObjectType, isObjectType, parse, validate, type GraphQLNamedType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  menu,
  mobileLogIn,
  mobileOperations,
  mobileSchema,
  newestFirst,
  orderRow,
  ordersOf,
  postGraphQL,
  priceLabel,
  send,
  tile,
  type MobileResponse,
} from './support/mobile.js';
import { startStack, type Stack } from './support/stack.js';

type Caller = 'anonymous' | 'ada' | 'grace';
const callers: Caller[] = ['anonymous', 'ada', 'grace'];
const accounts = { ada, grace } as const;

let stack: Stack;
let url: string;
const tokens: Record<Caller, string | undefined> = { anonymous: undefined, ada: undefined, grace: undefined };
/** Order id → number, as the orders service numbers the seed orders. */
const orderNumbers = new Map<string, string>();

beforeAll(async () => {
  stack = await startStack({ mobile: true });
  url = stack.mobileUrl;
  for (const name of ['ada', 'grace'] as const) {
    tokens[name] = (await mobileLogIn(url, accounts[name].email, accounts[name].password)).accessToken;
    const response = await graphql<{ me: { orders: { nodes: Array<{ id: string; number: string }> } } }>(
      stack.gatewayUrl,
      '{ me { orders(first: 100) { nodes { id number } } } }',
      {},
      { token: tokens[name] },
    );
    for (const order of response.body.data!.me.orders.nodes) orderNumbers.set(order.id, order.number);
  }
});

afterAll(async () => {
  await stack?.stop();
});

const as = (caller: Caller) => ({ token: tokens[caller] });
const codes = (response: MobileResponse) => (response.body.errors ?? []).map((error) => error.extensions?.code);
const seedProduct = (number: number) => products[number - 1]!;
const rowsOf = (caller: 'ada' | 'grace') =>
  ordersOf(accounts[caller].id).map((order) => orderRow(order, orderNumbers.get(order.id)!));
const uniqueKey = () => `test-${randomUUID()}`;
/** An order row without its status, which moves on (PENDING → CONFIRMED) as the order is processed. */
const placed = ({ status: _status, ...row }: Record<string, unknown>) => row;

describe('the schema', () => {
  it('is valid, and every operation of contracts/mobile validates against it', () => {
    assertValidSchema(mobileSchema);
    // The subscriptions (MyOrderUpdates, OrderUpdates) are exercised in test/live-mobile.test.ts.
    expect([...mobileOperations.keys()].sort()).toEqual([
      'Home',
      'LogIn',
      'MyOrderUpdates',
      'MyOrders',
      'OrderUpdates',
      'PlaceOrder',
      'ProductDetail',
      'Products',
      'RefreshSession',
    ]);
    for (const operation of mobileOperations.values()) {
      expectLabelled(validate(mobileSchema, parse(operation.document)), operation.name).toEqual([]);
    }
  });

  it('describes every type, field and enum value', () => {
    const own = (type: GraphQLNamedType) =>
      !type.name.startsWith('__') && !['String', 'Int', 'Float', 'Boolean', 'ID', 'CacheControlScope'].includes(type.name);
    const missing: string[] = [];
    for (const type of Object.values(mobileSchema.getTypeMap()).filter(own)) {
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) if (!field.description) missing.push(`${type.name}.${field.name}`);
      }
      if (isEnumType(type))
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
    expect(missing).toEqual([]);
  });
});

describe('every operation of contracts/mobile, as anonymous, ada and grace', () => {
  it.each(callers)('Products as %s: tiles newest first, by page, category and search', async (caller) => {
    const first = await send(url, 'Products', {}, as(caller));
    expect(first.status).toBe(200);
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data!.products.nodes).toEqual(newestFirst.slice(0, 20).map((product) => tile(product)));
    expect(first.body.data!.products.pageInfo).toEqual({ hasNextPage: true, endCursor: expect.any(String) });

    const next = await send(url, 'Products', { first: 50, after: first.body.data!.products.pageInfo.endCursor }, as(caller));
    expect(next.body.data!.products.nodes).toEqual(newestFirst.slice(20, 70).map((product) => tile(product)));

    const last = await send(url, 'Products', { first: 50, after: next.body.data!.products.pageInfo.endCursor }, as(caller));
    expect(last.body.data!.products.nodes).toEqual(newestFirst.slice(70).map((product) => tile(product)));
    expect(last.body.data!.products.pageInfo.hasNextPage).toBe(false);

    const category = menu[2]!;
    const inCategory = await send(url, 'Products', { categoryId: category.id, first: 50 }, as(caller));
    expect(inCategory.body.data!.products.nodes).toEqual(
      newestFirst.filter((product) => product.categoryId === category.id).map((product) => tile(product)),
    );

    const search = await send(url, 'Products', { search: 'kettle', first: 50 }, as(caller));
    const kettles = newestFirst.filter((product) => `${product.name} ${product.description}`.toLowerCase().includes('kettle'));
    expect(kettles.length).toBeGreaterThan(0);
    expect(search.body.data!.products.nodes).toEqual(kettles.map((product) => tile(product)));
  });

  it.each(callers)('ProductDetail as %s: display-ready values and stock labels', async (caller) => {
    const detail = async (number: number) => (await send(url, 'ProductDetail', { id: seedProduct(number).id }, as(caller))).body;
    const expected = (number: number, stockLabel: string) => {
      const product = seedProduct(number);
      return {
        id: product.id,
        name: product.name,
        description: product.description,
        priceLabel: priceLabel(product.priceAmount),
        imageUrl: `${product.images[0]!.url}?w=960&h=960`,
        inStock: product.stockQuantity > 0,
        stockLabel,
      };
    };
    expect(seedProduct(1).stockQuantity).toBeGreaterThan(5);
    expect(await detail(1)).toEqual({ data: { product: expected(1, 'In stock') } });
    expect(seedProduct(60).stockQuantity).toBe(5);
    expect(await detail(60)).toEqual({ data: { product: expected(60, 'Only 5 left') } });
    expect(seedProduct(9).stockQuantity).toBe(0);
    expect(await detail(9)).toEqual({ data: { product: expected(9, 'Out of stock') } });
    expect(await send(url, 'ProductDetail', { id: randomUUID() }, as(caller)).then((response) => response.body)).toEqual({
      data: { product: null },
    });
  });

  it.each(callers)('Home as %s: the whole screen in one request', async (caller) => {
    const response = await send(url, 'Home', {}, as(caller));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: {
        home: {
          featured: newestFirst
            .filter((product) => product.stockQuantity > 0)
            .slice(0, 8)
            .map((product) => tile(product)),
          categories: menu.map(({ id, name }) => ({ id, name })),
          recentOrders: caller === 'anonymous' ? [] : rowsOf(caller).slice(0, 3),
        },
      },
    });
  });

  it.each(callers)("MyOrders as %s: the signed-in user's orders only", async (caller) => {
    const response = await send(url, 'MyOrders', {}, as(caller));
    if (caller === 'anonymous') {
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.body.data).toBeNull();
      return;
    }
    expect(response.body).toEqual({
      data: { myOrders: { nodes: rowsOf(caller), pageInfo: { hasNextPage: false, endCursor: expect.any(String) } } },
    });
    const page = await send(url, 'MyOrders', { first: 1 }, as(caller));
    expect(page.body.data!.myOrders.nodes).toEqual(rowsOf(caller).slice(0, 1));
    expect(page.body.data!.myOrders.pageInfo.hasNextPage).toBe(rowsOf(caller).length > 1);
    const rest = await send(url, 'MyOrders', { after: page.body.data!.myOrders.pageInfo.endCursor }, as(caller));
    expect(rest.body.data!.myOrders.nodes).toEqual(rowsOf(caller).slice(1));
  });

  it.each(callers)('LogIn as %s', async (caller) => {
    if (caller === 'anonymous') {
      const wrong = await send(url, 'LogIn', { email: ada.email, password: 'not-her-password' });
      expect(wrong.body).toEqual({
        data: { logIn: { session: null, user: null, error: { code: 'INVALID_CREDENTIALS', message: expect.any(String) } } },
      });
      return;
    }
    const account = accounts[caller];
    const response = await send(url, 'LogIn', { email: account.email, password: account.password }, as(caller));
    expect(response.body).toEqual({
      data: {
        logIn: {
          session: { accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 900 },
          user: { id: account.id, name: account.name },
          error: null,
        },
      },
    });
    // The new access token works.
    const orders = await send(url, 'MyOrders', {}, { token: response.body.data!.logIn.session.accessToken });
    expect(orders.body.data!.myOrders.nodes).toEqual(rowsOf(caller));
  });

  it.each(callers)('RefreshSession as %s', async (caller) => {
    if (caller === 'anonymous') {
      const response = await send(url, 'RefreshSession', { refreshToken: 'not-a-refresh-token' });
      expect(response.body).toEqual({
        data: { refreshSession: { session: null, error: { code: 'INVALID_REFRESH_TOKEN', message: expect.any(String) } } },
      });
      return;
    }
    const account = accounts[caller];
    const session = await mobileLogIn(url, account.email, account.password);
    const response = await send(url, 'RefreshSession', { refreshToken: session.refreshToken }, { token: session.accessToken });
    expect(response.body).toEqual({
      data: {
        refreshSession: {
          session: { accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 900 },
          error: null,
        },
      },
    });
    expect(response.body.data!.refreshSession.session.refreshToken).not.toBe(session.refreshToken);
    const orders = await send(url, 'MyOrders', {}, { token: response.body.data!.refreshSession.session.accessToken });
    expect(orders.body.data!.myOrders.nodes.length).toBeGreaterThan(0);
  });

  // Last: it adds orders, which the tests above count.
  it.each(callers)('PlaceOrder as %s', async (caller) => {
    const product = seedProduct(2);
    const response = await send(
      url,
      'PlaceOrder',
      { items: [{ productId: product.id, quantity: 2 }], idempotencyKey: uniqueKey() },
      as(caller),
    );
    if (caller === 'anonymous') {
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.body.data).toBeNull();
      return;
    }
    expect(response.body).toEqual({
      data: {
        placeOrder: {
          order: {
            id: expect.any(String),
            number: expect.stringMatching(/^SF-\d{6}$/),
            status: 'PENDING',
            totalLabel: priceLabel(product.priceAmount * 2),
            placedAt: expect.any(String),
            itemCount: 2,
          },
          error: null,
        },
      },
    });
    const mine = await send(url, 'MyOrders', {}, as(caller));
    expect(placed(mine.body.data!.myOrders.nodes[0])).toEqual(placed(response.body.data!.placeOrder.order));
  });
});

describe('bearer tokens', () => {
  const expiredToken = (user: { id: string; role: 'CUSTOMER' | 'ADMIN' }) =>
    signAccessToken(user, { secret: DEVELOPMENT_SECRET, ttlSeconds: -60 }).then((token) => token.accessToken);

  it('an expired token gets 401 UNAUTHENTICATED and no data, even for public fields', async () => {
    const token = await expiredToken(ada);
    for (const [name, variables] of [
      ['Home', {}],
      ['Products', {}],
      ['MyOrders', {}],
    ] as const) {
      const response = await send(url, name, variables, { token });
      expectLabelled(response.status, name).toBe(401);
      expectLabelled(response.body, name).toEqual({
        errors: [{ message: expect.stringMatching(/expired/), extensions: { code: 'UNAUTHENTICATED' } }],
      });
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    }
  });

  it('a forged, tampered or malformed token gets 401 UNAUTHENTICATED and no data', async () => {
    const forged = (await signAccessToken(ada, { secret: 'someone-else-s-secret-0000000000000000' })).accessToken;
    const [header, , signature] = tokens.grace!.split('.');
    const payload = Buffer.from(
      JSON.stringify({ sub: ada.id, role: 'ADMIN', iss: 'storefront-sessions', aud: 'storefront', exp: 9_999_999_999 }),
    ).toString('base64url');
    const tampered = `${header}.${payload}.${signature}`;
    for (const token of [forged, tampered, 'not-a-jwt']) {
      const response = await send(url, 'MyOrders', {}, { token });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }] });
    }
    const basic = await send(url, 'Home', {}, { headers: { authorization: 'Basic YWRhOnNlY3JldA==' } });
    expect(basic.status).toBe(401);
    expect(codes(basic)).toEqual(['UNAUTHENTICATED']);
  });

  it('an expired token places no order', async () => {
    const token = await expiredToken(ada);
    const before = (await send(url, 'MyOrders', { first: 50 }, as('ada'))).body.data!.myOrders.nodes.length;
    const response = await send(
      url,
      'PlaceOrder',
      { items: [{ productId: seedProduct(3).id, quantity: 1 }], idempotencyKey: uniqueKey() },
      { token },
    );
    expect(response.status).toBe(401);
    expect(response.body.data).toBeUndefined();
    expect((await send(url, 'MyOrders', { first: 50 }, as('ada'))).body.data!.myOrders.nodes.length).toBe(before);
  });

  it('logIn and refreshSession still work with an expired token in the header (apps attach it to every request)', async () => {
    const token = await expiredToken(grace);
    const logIn = await send(url, 'LogIn', { email: grace.email, password: grace.password }, { token });
    expect(logIn.status).toBe(200);
    expect(logIn.body.data!.logIn.user).toEqual({ id: grace.id, name: grace.name });
    const refresh = await send(url, 'RefreshSession', { refreshToken: logIn.body.data!.logIn.session.refreshToken }, { token });
    expect(refresh.status).toBe(200);
    expect(refresh.body.data!.refreshSession.error).toBeNull();
    // Anything else in the same document is refused.
    const mixed = await postGraphQL(
      url,
      {
        query:
          'mutation { logIn(email: "grace@example.com", password: "grace-password-1") { error { code } } placeOrder(items: [], idempotencyKey: "k") { error { code } } }',
      },
      { token },
    );
    expect(mixed.status).toBe(401);
  });

  it('refreshSession rotates the refresh token; reusing a spent one ends the whole session', async () => {
    const first = await mobileLogIn(url, ada.email, ada.password);
    const refresh = (refreshToken: string) => send(url, 'RefreshSession', { refreshToken });

    const second = (await refresh(first.refreshToken)).body.data!.refreshSession;
    expect(second.error).toBeNull();
    const third = (await refresh(second.session.refreshToken)).body.data!.refreshSession;
    expect(third.error).toBeNull();
    expect(new Set([first.refreshToken, second.session.refreshToken, third.session.refreshToken]).size).toBe(3);

    // A thief replays the first token: the users service sees a spent token and revokes the family.
    const replay = (await refresh(first.refreshToken)).body.data!.refreshSession;
    expect(replay).toEqual({ session: null, error: { code: 'REFRESH_TOKEN_REUSED', message: expect.any(String) } });
    // The legitimate app's current token is dead too: it must sign in again.
    const after = (await refresh(third.session.refreshToken)).body.data!.refreshSession;
    expect(after).toEqual({ session: null, error: { code: 'INVALID_REFRESH_TOKEN', message: expect.any(String) } });
    // So are the access tokens of that session, long before they expire (this one's session was never looked up yet).
    const revoked = await send(url, 'MyOrders', {}, { token: third.session.accessToken });
    expect(revoked.status).toBe(401);
    expect(codes(revoked)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('input and localization', () => {
  it('page sizes are 1 to 50: either bound is 400 BAD_USER_INPUT, refused before execution', async () => {
    for (const first of [0, -1, 51]) {
      const products = await send(url, 'Products', { first });
      expectLabelled(codes(products), `products first ${first}`).toEqual(['BAD_USER_INPUT']);
      expectLabelled(products.status, `products first ${first}`).toBe(400);
      const orders = await send(url, 'MyOrders', { first }, as('ada'));
      expectLabelled(codes(orders), `myOrders first ${first}`).toEqual(['BAD_USER_INPUT']);
      expectLabelled(orders.status, `myOrders first ${first}`).toBe(400);
    }
    expect((await send(url, 'Products', { first: 50 })).body.data!.products.nodes).toHaveLength(50);
    expect((await send(url, 'Products', { first: 1 })).body.data!.products.nodes).toHaveLength(1);
  });

  it('writes prices and stock labels for the Accept-Language (en, de, fr; others fall back to English)', async () => {
    const labels = async (language: string, number: number) => {
      const response = await send(url, 'ProductDetail', { id: seedProduct(number).id }, { language });
      const { priceLabel: price, stockLabel } = response.body.data!.product;
      return { price, stockLabel };
    };
    const amount = seedProduct(60).priceAmount;
    expect(await labels('de-DE,de;q=0.9,en;q=0.5', 60)).toEqual({
      price: priceLabel(amount, 'USD', 'de-DE'),
      stockLabel: 'Nur noch 5 verfügbar',
    });
    expect(await labels('fr-FR', 60)).toEqual({ price: priceLabel(amount, 'USD', 'fr-FR'), stockLabel: 'Plus que 5 en stock' });
    expect(await labels('en-GB', 60)).toEqual({ price: priceLabel(amount, 'USD', 'en-GB'), stockLabel: 'Only 5 left' });
    expect((await labels('de', 1)).stockLabel).toBe('Auf Lager');
    expect((await labels('fr', 9)).stockLabel).toBe('Rupture de stock');
    expect((await labels('de', 9)).stockLabel).toBe('Nicht auf Lager');
    expect((await labels('fr', 1)).stockLabel).toBe('En stock');
    // Spanish prices, English labels: the BFF writes no Spanish.
    expect(await labels('es-ES', 60)).toEqual({ price: priceLabel(amount, 'USD', 'es-ES'), stockLabel: 'Only 5 left' });
    // The best supported language wins, by weight.
    expect((await labels('es, fr;q=0.8, de;q=0.5', 60)).stockLabel).toBe('Plus que 5 en stock');
    expect((await labels('', 60)).stockLabel).toBe('Only 5 left');
  });
});

describe('idempotent checkout', () => {
  const items = () => [{ productId: seedProduct(4).id, quantity: 1 }];
  const place = (idempotencyKey: string, lines = items(), caller: Caller = 'ada') =>
    send(url, 'PlaceOrder', { items: lines, idempotencyKey }, as(caller));
  const orderCount = async (caller: 'ada' | 'grace') =>
    (await send(url, 'MyOrders', { first: 50 }, as(caller))).body.data!.myOrders.nodes.length;
  const placeOrderCalls = async () =>
    Number(/bff_gateway_requests_total\{operation="PlaceOrder"[^}]*\} (\d+)/.exec(await stack.mobileMetrics())?.[1] ?? 0);

  it('the same key with the same items returns the same order, placed once', async () => {
    const before = await orderCount('ada');
    const key = uniqueKey();
    const first = await place(key);
    const second = await place(key);
    expect(first.body.data!.placeOrder.error).toBeNull();
    expect(second.body.data!.placeOrder.error).toBeNull();
    expect(placed(second.body.data!.placeOrder.order)).toEqual(placed(first.body.data!.placeOrder.order));
    expect(await orderCount('ada')).toBe(before + 1);
  });

  it('the same key with other items is refused with IDEMPOTENCY_KEY_REUSED', async () => {
    const key = uniqueKey();
    const first = await place(key);
    expect(first.body.data!.placeOrder.order).not.toBeNull();
    const other = await place(key, [{ productId: seedProduct(5).id, quantity: 1 }]);
    expect(other.body).toEqual({
      data: { placeOrder: { order: null, error: { code: 'IDEMPOTENCY_KEY_REUSED', message: expect.any(String) } } },
    });
    const more = await place(key, [{ productId: seedProduct(4).id, quantity: 2 }]);
    expect(more.body.data!.placeOrder.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('5 concurrent duplicates (an app retrying after timeouts) place one order, each sent to the gateway once', async () => {
    const before = await orderCount('ada');
    const callsBefore = await placeOrderCalls();
    const key = uniqueKey();
    const responses = await Promise.all(Array.from({ length: 5 }, () => place(key)));
    const orders = responses.map((response) => response.body.data!.placeOrder);
    for (const order of orders) expect(order.error).toBeNull();
    expect(new Set(orders.map((order) => order.order.id)).size).toBe(1);
    expect(await orderCount('ada')).toBe(before + 1);
    // The BFF never retries a mutation: one gateway call per request.
    expect((await placeOrderCalls()) - callsBefore).toBe(5);
  });

  it('a retry after a timeout returns the order the timed-out request placed, never a second one', async () => {
    // The gateway places the order, but its answer never reaches this BFF instance: the app
    // sees a timeout, as on a phone losing its connection at the wrong moment.
    const proxy = await startAnswerSwallowingProxy(stack.gatewayUrl);
    const timingOut = createMobileServer({
      config: loadMobileConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        GATEWAY_URL: proxy.url,
        GATEWAY_TIMEOUT_MS: '500',
        REDIS_URL: testRedisUrl,
      }),
      store: new RedisCacheStore(testRedis, stack.redisPrefix),
    });
    const running = await timingOut.listen(0, '127.0.0.1');
    try {
      const adaOrders = async () =>
        (
          await graphql<{ me: { orders: { nodes: Array<{ id: string }> } } }>(
            stack.gatewayUrl,
            '{ me { orders(first: 100) { nodes { id } } } }',
            {},
            { token: tokens.ada },
          )
        ).body.data!.me.orders.nodes;
      const before = await adaOrders();
      const key = uniqueKey();
      const lines = [{ productId: seedProduct(7).id, quantity: 1 }];
      await send(url, 'MyOrders', {}, as('ada'));
      expect((await send(url, 'MyOrders', {}, as('ada'))).headers.get('x-cache')).toBe('HIT');
      const timedOut = await send(running.url, 'PlaceOrder', { items: lines, idempotencyKey: key }, as('ada'));
      expect(codes(timedOut)).toEqual(['SERVICE_UNAVAILABLE']);
      // The gateway did answer (the proxy kept it): the order exists.
      await proxy.answered;
      const placedMeanwhile = await adaOrders();
      expect(placedMeanwhile).toHaveLength(before.length + 1);
      // The outcome was unknown to the BFF, so it dropped ada's cached screens anyway.
      const mine = await send(url, 'MyOrders', {}, as('ada'));
      expect(mine.headers.get('x-cache')).toBe('MISS');
      expect(mine.body.data!.myOrders.nodes[0].id).toBe(placedMeanwhile[0]!.id);

      const retry = await place(key, lines);
      expect(retry.body.data!.placeOrder.error).toBeNull();
      expect(retry.body.data!.placeOrder.order.id).toBe(placedMeanwhile[0]!.id);
      expect(await adaOrders()).toHaveLength(before.length + 1);
    } finally {
      await timingOut.stop();
      await proxy.close();
    }
  });

  it("keys belong to their user: grace using ada's key places her own order", async () => {
    const key = uniqueKey();
    const adaOrder = (await place(key)).body.data!.placeOrder.order;
    const graceOrder = (await place(key, items(), 'grace')).body.data!.placeOrder.order;
    expect(graceOrder.id).not.toBe(adaOrder.id);
  });

  it('business failures come back as error { code message }', async () => {
    const outOfStock = await place(uniqueKey(), [{ productId: seedProduct(9).id, quantity: 1 }]);
    expect(outOfStock.body.data!.placeOrder).toEqual({
      order: null,
      error: { code: 'OUT_OF_STOCK', message: expect.any(String) },
    });
    const empty = await place(uniqueKey(), []);
    expect(empty.body.data!.placeOrder.error.code).toBe('EMPTY_ORDER');
    const badKey = await place('not a valid key!');
    expect(badKey.body.data!.placeOrder.error.code).toBe('INVALID_IDEMPOTENCY_KEY');
  });
});

describe('response cache', () => {
  it('shares public tiles across callers and keeps home per user', async () => {
    const variables = { first: 3, search: 'lamp' };
    expect((await send(url, 'Products', variables)).headers.get('x-cache')).toBe('MISS');
    const forAda = await send(url, 'Products', variables, as('ada'));
    expect(forAda.headers.get('x-cache')).toBe('HIT');
    expect(forAda.headers.get('cache-control')).toMatch(/public/);

    // Anonymous home is public and shared by everyone signed out...
    await send(url, 'Home');
    const anonymous = await send(url, 'Home');
    expect(anonymous.headers.get('x-cache')).toBe('HIT');
    expect(anonymous.headers.get('cache-control')).toMatch(/^max-age=\d+, public$/);
    // ...but never served to a signed-in user, whose home is theirs alone.
    const adaHome = await send(url, 'Home', {}, as('ada'));
    expect(adaHome.headers.get('x-cache')).toBe('MISS');
    expect(adaHome.headers.get('cache-control')).toMatch(/^max-age=\d+, private$/);
    expect(adaHome.body.data!.home.recentOrders.length).toBe(3);
    expect((await send(url, 'Home', {}, as('ada'))).headers.get('x-cache')).toBe('HIT');
    const graceHome = await send(url, 'Home', {}, as('grace'));
    expect(graceHome.headers.get('x-cache')).toBe('MISS');
    expect(
      graceHome.body.data!.home.recentOrders.every(
        (order: { id: string }) => !adaHome.body.data!.home.recentOrders.some((mine: { id: string }) => mine.id === order.id),
      ),
    ).toBe(true);
    expect((await send(url, 'Home')).body.data!.home.recentOrders).toEqual([]);
  });

  it('caches per language', async () => {
    const id = seedProduct(61).id;
    const english = await send(url, 'ProductDetail', { id }, { language: 'en' });
    const german = await send(url, 'ProductDetail', { id }, { language: 'de' });
    expect(german.headers.get('x-cache')).toBe('MISS');
    expect(german.body.data!.product.stockLabel).not.toBe(english.body.data!.product.stockLabel);
  });

  it("placing an order drops the user's cached home and order list", async () => {
    await send(url, 'Home', {}, as('grace'));
    await send(url, 'MyOrders', {}, as('grace'));
    expect((await send(url, 'Home', {}, as('grace'))).headers.get('x-cache')).toBe('HIT');
    const response = await send(
      url,
      'PlaceOrder',
      { items: [{ productId: seedProduct(6).id, quantity: 1 }], idempotencyKey: uniqueKey() },
      as('grace'),
    );
    const order = placed(response.body.data!.placeOrder.order);
    const home = await send(url, 'Home', {}, as('grace'));
    expect(home.headers.get('x-cache')).toBe('MISS');
    expect(placed(home.body.data!.home.recentOrders[0])).toEqual(order);
    const mine = await send(url, 'MyOrders', {}, as('grace'));
    expect(mine.headers.get('x-cache')).toBe('MISS');
    expect(placed(mine.body.data!.myOrders.nodes[0])).toEqual(order);
  });
});

/**
 * A TCP proxy that forwards requests to `targetUrl` and swallows the answers: the caller
 * waits in vain while the target does the work. `answered` resolves once the target answered.
 */
async function startAnswerSwallowingProxy(targetUrl: string) {
  const target = new URL(targetUrl);
  let markAnswered!: () => void;
  const answered = new Promise<void>((resolve) => (markAnswered = resolve));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => upstream.write(chunk));
    // Whether or not the caller gave up, the target finishes and answers; nobody hears it.
    upstream.on('data', () => markAnswered());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    answered,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
