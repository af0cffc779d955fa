import { categories, products } from '@storefront/catalog/seed-data';
import { ada, admin, grace } from '@storefront/users/seed-data';
import { errorCodes, graphql, testRedisUrl } from '@storefront/testing';
import { signAccessToken } from '@storefront/auth';
import { decodeCachedResponse } from '@storefront/bff';
import { loadWebConfig } from '@storefront/bff-web/config';
import { createWebServer } from '@storefront/bff-web/server';
import { DEVELOPMENT_SECRET } from '@storefront/config';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { logIn } from './support/session.js';
import { loadClientOperations } from '../scripts/lib/client-operations.js';
import { startStack, type Stack } from './support/stack.js';
import { WebClient } from './support/web-client.js';
import {
  cacheLookups,
  cheapestOf,
  costOf,
  freshKey,
  inCategory,
  money,
  newestFirst,
  ordersOf,
  productCard,
  productPage,
  signedIn,
  signedUp,
} from './support/web.js';

const PUBLIC = /^max-age=(\d+), public$/;
const webOperations = loadClientOperations('web');
const webOperation = (name: string) => webOperations.get(name)!.document;
const PRIVATE = /^max-age=(\d+), private$/;
const maxAgeOf = (header: string | null) => Number(/max-age=(\d+)/.exec(header ?? '')?.[1] ?? NaN);
const inStock = products.filter((product) => product.stockQuantity >= 5);
const categoryBySlug = (slug: string) => categories.find((category) => category.slug === slug)!;

/** The entry in Redis, under `prefix`, whose cached response body is `body`, with its remaining TTL. */
async function redisEntryFor(prefix: string, body: unknown): Promise<{ key: string; ttl: number } | undefined> {
  const redis = new Redis(testRedisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}cache:web:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const value = await redis.get(key);
        if (!value) continue;
        const entry = decodeCachedResponse(Buffer.from(value));
        if (entry && entry.body.toString() === `${JSON.stringify(body)}\n`) return { key, ttl: await redis.ttl(key) };
      }
    } while (cursor !== '0');
    return undefined;
  } finally {
    redis.disconnect();
  }
}

describe('web BFF response cache and gateway batching (real Redis)', () => {
  let stack: Stack;
  let anonymous: WebClient;
  let adaClient: WebClient;
  let graceClient: WebClient;
  let adminClient: WebClient;

  beforeAll(async () => {
    stack = await startStack({ web: true });
    anonymous = new WebClient(stack.webUrl);
    adaClient = await signedIn(stack.webUrl, ada);
    graceClient = await signedIn(stack.webUrl, grace);
    adminClient = await signedIn(stack.webUrl, admin);
  });
  afterAll(() => stack?.stop());

  describe('batching: gateway requests per page do not grow with list sizes', () => {
    // Locales no later test uses, so the response cache never answers these.
    const headers = { 'accept-language': 'en-GB' };

    it('a CatalogPage of 24 cards costs the same gateway requests and SQL statements as one of 6', async () => {
      await anonymous.send('CatalogPage', { first: 12 }, headers); // warm every connection pool first
      // Three runs of each, in locales of their own, so each one misses the response cache.
      const page = (first: number) =>
        cheapestOf(
          stack,
          ['en-GB', 'en-AU', 'en-CA'].map(
            (locale) => () => anonymous.send('CatalogPage', { first }, { 'accept-language': locale }),
          ),
        );
      const six = await page(6);
      const twentyFour = await page(24);
      for (const result of [...six.results, ...twentyFour.results]) {
        expect(result.body.errors).toBeUndefined();
        expect(result.headers.get('x-cache')).toBe('MISS');
      }
      for (const result of six.results) expect(result.body.data!.catalog.edges).toHaveLength(6);
      expect(twentyFour.results[0]!.body.data!.catalog.edges).toEqual(
        newestFirst.slice(0, 24).map((product) => ({ cursor: expect.any(String), node: productCard(product, 'en-GB') })),
      );
      const [perPage] = six.gateway;
      expect(perPage).toBeGreaterThan(0);
      expect(perPage).toBeLessThanOrEqual(2);
      expect([...six.gateway, ...twentyFour.gateway]).toEqual(Array(6).fill(perPage));
      expect(six.sql.catalog).toBeGreaterThan(0);
      expect(twentyFour.sql).toEqual(six.sql);

      // The same for a category page and a search.
      const category = await costOf(stack, () => anonymous.send('CatalogPage', { category: 'audio', first: 20 }, headers));
      const search = await costOf(stack, () => anonymous.send('CatalogPage', { search: 'classic', first: 24 }, headers));
      expect(category.result.body.data!.catalog.edges).toHaveLength(20);
      expect(category.gateway).toBe(perPage);
      expect(search.gateway).toBe(perPage);
    });

    it('a ProductPage costs the same gateway requests whatever the number of related products', async () => {
      const product = inCategory(categoryBySlug('books').id)[5]!;
      const page = await costOf(stack, () => anonymous.send('ProductPage', { slug: product.slug }, headers));
      expect(page.result.headers.get('x-cache')).toBe('MISS');
      expect(page.result.body.data!.product).toEqual(productPage(product, 'en-GB'));
      expect(page.gateway).toBeGreaterThan(0);
      expect(page.gateway).toBeLessThanOrEqual(2);

      // The page's own selection with 1 and 19 related cards.
      const withRelated = (first: number) => /* GraphQL */ `
        query ProductPageRelated($slug: String!) {
          product(slug: $slug) {
            id slug name description price { amount currency formatted } images { url width height alt }
            category { id slug name } stock { available quantity }
            related(first: ${first}) { id slug name price { amount currency formatted } image { url width height alt } inStock }
          }
        }
      `;
      for (const first of [1, 20]) {
        const cost = await costOf(stack, () => anonymous.query(withRelated(first), { slug: product.slug }, headers));
        expect(cost.result.body.errors).toBeUndefined();
        expect(cost.result.body.data!.product.related).toHaveLength(Math.min(first, inCategory(product.categoryId).length - 1));
        expect({ first, gateway: cost.gateway }).toEqual({ first, gateway: page.gateway });
      }
    });

    it('the Viewer page with 10 orders costs the same gateway requests and SQL statements as with 2', async () => {
      const { client } = await signedUp(stack.webUrl, 'Frequent Buyer');
      const place = async (count: number, offset: number) => {
        for (let index = 0; index < count; index += 1) {
          const items = [inStock[offset + index]!, inStock[offset + index + 40]!].map((product) => ({
            productId: product.id,
            quantity: 1,
          }));
          const response = await client.send('PlaceOrder', { input: { items }, idempotencyKey: freshKey() });
          expect(response.body.data!.placeOrder.userErrors).toEqual([]);
        }
      };
      const viewerPage = () =>
        cheapestOf(
          stack,
          ['en-GB', 'en-AU', 'en-CA'].map(
            (locale) => () => client.send('Viewer', { ordersFirst: 10 }, { 'accept-language': locale }),
          ),
        );
      await place(2, 0);
      const two = await viewerPage();
      await place(8, 2);
      const ten = await viewerPage();
      for (const result of [...two.results, ...ten.results]) {
        expect(result.body.errors).toBeUndefined();
        expect(result.headers.get('x-cache')).toBe('MISS');
      }
      expect(two.results[0]!.body.data!.viewer.orders.edges).toHaveLength(2);
      expect(ten.results[0]!.body.data!.viewer.orders.edges).toHaveLength(10);
      expect(ten.results[0]!.body.data!.viewer.orders.totalCount).toBe(10);
      const [perPage] = two.gateway;
      expect(perPage).toBeGreaterThan(0);
      expect(perPage).toBeLessThanOrEqual(2);
      expect([...two.gateway, ...ten.gateway]).toEqual(Array(6).fill(perPage));
      expect(ten.sql).toEqual(two.sql);
    });
  });

  describe('public responses', () => {
    it('a repeated CatalogPage is a MISS, then a HIT from Redis with the same body and public Cache-Control', async () => {
      const variables = { category: 'audio', first: 7 };
      const before = await cacheLookups(stack);
      const first = await anonymous.send('CatalogPage', variables);
      expect(first.body.errors).toBeUndefined();
      expect(first.headers.get('x-cache')).toBe('MISS');
      expect(first.headers.get('cache-control')).toMatch(PUBLIC);
      expect(maxAgeOf(first.headers.get('cache-control'))).toBe(60);

      const second = await anonymous.send('CatalogPage', variables);
      expect(second.headers.get('x-cache')).toBe('HIT');
      expect(second.body).toEqual(first.body);
      expect(second.headers.get('cache-control')).toMatch(PUBLIC);
      expect(maxAgeOf(second.headers.get('cache-control'))).toBeLessThanOrEqual(60);
      expect(await cacheLookups(stack)).toEqual({ ...before, miss: before.miss + 1, hit: before.hit + 1 });

      // Stored in Redis, with the response's TTL.
      const entry = await redisEntryFor(stack.redisPrefix, first.body);
      expect(entry?.key.startsWith(`${stack.redisPrefix}cache:web:public:`)).toBe(true);
      expect(entry!.ttl).toBeGreaterThan(0);
      expect(entry!.ttl).toBeLessThanOrEqual(60);

      // Public data is shared: a signed-in shopper gets the same entry.
      const signedInHit = await adaClient.send('CatalogPage', variables);
      expect(signedInHit.headers.get('x-cache')).toBe('HIT');
      expect(signedInHit.body).toEqual(first.body);
    });

    it('keeps locales apart: de-DE is its own entry with its own formatting', async () => {
      const variables = { category: 'toys', first: 3 };
      const english = await anonymous.send('CatalogPage', variables);
      expect((await anonymous.send('CatalogPage', variables)).headers.get('x-cache')).toBe('HIT');
      const german = await anonymous.send('CatalogPage', variables, { 'accept-language': 'de-DE' });
      expect(german.headers.get('x-cache')).toBe('MISS');
      const expected = inCategory(categoryBySlug('toys').id).slice(0, 3);
      expect(english.body.data!.catalog.edges.map((edge: any) => edge.node.price)).toEqual(
        expected.map((product) => money(product.priceAmount, 'USD', 'en-US')),
      );
      expect(german.body.data!.catalog.edges.map((edge: any) => edge.node.price)).toEqual(
        expected.map((product) => money(product.priceAmount, 'USD', 'de-DE')),
      );
    });
  });

  describe('per-user responses', () => {
    it('Viewer is private, a HIT for the same user, and never served to another user or to an anonymous caller', async () => {
      const first = await adaClient.send('Viewer');
      expect(first.body.data!.viewer.id).toBe(ada.id);
      expect(first.headers.get('x-cache')).toBe('MISS');
      expect(first.headers.get('cache-control')).toMatch(PRIVATE);
      const again = await adaClient.send('Viewer');
      expect(again.headers.get('x-cache')).toBe('HIT');
      expect(again.headers.get('cache-control')).toMatch(PRIVATE);
      expect(again.body).toEqual(first.body);
      // Ada in another browser is still ada: her own entry.
      const otherBrowser = await signedIn(stack.webUrl, ada);
      expect((await otherBrowser.send('Viewer')).body).toEqual(first.body);

      // Grace, with ada's answer cached under the very same operation and variables.
      const graces = await graceClient.send('Viewer');
      expect(graces.headers.get('x-cache')).toBe('MISS');
      expect(graces.body.data!.viewer).toMatchObject({ id: grace.id, email: grace.email });
      expect(graces.body.data!.viewer.orders.totalCount).toBe(ordersOf(grace.id).length);
      expect(JSON.stringify(graces.body)).not.toContain(ada.id);
      expect((await graceClient.send('Viewer')).body).toEqual(graces.body);

      // Anonymous, twice: null, never a HIT of anyone's entry.
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const response = await anonymous.send('Viewer');
        expect(response.body).toEqual({ data: { viewer: null } });
        expect(response.headers.get('x-cache')).not.toBe('HIT');
      }
      // A brand-new user gets their own answer too.
      const { client, viewer } = await signedUp(stack.webUrl);
      const fresh = await client.send('Viewer');
      expect(fresh.body.data!.viewer).toMatchObject({ id: viewer.id, orders: { totalCount: 0 } });
      // And ada, signed out in her first browser, gets null, not her cached page.
      const signedOut = await signedIn(stack.webUrl, ada);
      await signedOut.send('LogOut');
      expect((await signedOut.send('Viewer')).body).toEqual({ data: { viewer: null } });
    });

    it("OrderDetail is cached for its buyer only: grace is refused ada's cached order, admin gets it on their own", async () => {
      const order = ordersOf(ada.id)[1]!;
      const own = await adaClient.send('OrderDetail', { id: order.id });
      expect(own.body.errors).toBeUndefined();
      expect(own.headers.get('cache-control')).toMatch(PRIVATE);
      const hit = await adaClient.send('OrderDetail', { id: order.id });
      expect(hit.headers.get('x-cache')).toBe('HIT');
      expect(hit.body).toEqual(own.body);

      const refused = await graceClient.send('OrderDetail', { id: order.id });
      expect(refused.headers.get('x-cache')).not.toBe('HIT');
      expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
      expect(JSON.stringify(refused.body)).not.toContain(ada.name);
      const anonymousTry = await anonymous.send('OrderDetail', { id: order.id });
      expect(errorCodes(anonymousTry)).toEqual(['UNAUTHENTICATED']);

      const adminView = await adminClient.send('OrderDetail', { id: order.id });
      expect(adminView.headers.get('x-cache')).toBe('MISS');
      expect(adminView.body).toEqual(own.body);
    });
  });

  describe('mutations', () => {
    it('are never cached: a new order each time with different keys, the same one for the same key, never a HIT', async () => {
      const { client } = await signedUp(stack.webUrl);
      const input = { items: [{ productId: inStock[3]!.id, quantity: 1 }] };
      const before = await cacheLookups(stack);
      const placed = [];
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const response = await client.send('PlaceOrder', { input, idempotencyKey: freshKey() });
        expect(response.headers.get('x-cache')).toBeNull();
        expect(response.headers.get('cache-control') ?? 'no-store').not.toMatch(/max-age=[1-9]/);
        placed.push(response.body.data!.placeOrder.order.id as string);
      }
      expect(new Set(placed).size).toBe(2);
      const key = freshKey();
      const once = await client.send('PlaceOrder', { input, idempotencyKey: key });
      const twice = await client.send('PlaceOrder', { input, idempotencyKey: key });
      expect(twice.headers.get('x-cache')).toBeNull();
      expect(twice.body.data!.placeOrder.order.id).toBe(once.body.data!.placeOrder.order.id);
      expect((await client.send('Viewer')).body.data!.viewer.orders.totalCount).toBe(3);

      const out = await client.send('LogOut');
      expect(out.headers.get('x-cache')).toBeNull();
      const after = await cacheLookups(stack);
      expect(after.hit).toBe(before.hit);
      expect(after.skip - before.skip).toBe(5);
    });

    it("placing an order drops the buyer's cached Viewer: the new order shows at once", async () => {
      const cached = await adaClient.send('Viewer', { ordersFirst: 5 });
      expect((await adaClient.send('Viewer', { ordersFirst: 5 })).headers.get('x-cache')).toBe('HIT');
      const count = cached.body.data!.viewer.orders.totalCount as number;

      const response = await adaClient.send('PlaceOrder', {
        input: { items: [{ productId: inStock[7]!.id, quantity: 2 }] },
        idempotencyKey: freshKey(),
      });
      const order = response.body.data!.placeOrder.order;
      const after = await adaClient.send('Viewer', { ordersFirst: 5 });
      expect(after.headers.get('x-cache')).toBe('MISS');
      expect(after.body.data!.viewer.orders.totalCount).toBe(count + 1);
      expect(after.body.data!.viewer.orders.edges[0].node).toMatchObject({
        id: order.id,
        status: 'PENDING',
        total: money(inStock[7]!.priceAmount * 2, 'USD'),
      });

      // Cancelling drops both the Viewer page and the cached order page.
      expect((await adaClient.send('OrderDetail', { id: order.id })).body.data!.order.status).toBe('PENDING');
      expect((await adaClient.send('OrderDetail', { id: order.id })).headers.get('x-cache')).toBe('HIT');
      expect((await adaClient.send('Viewer', { ordersFirst: 5 })).headers.get('x-cache')).toBe('HIT');
      await adaClient.send('CancelOrder', { id: order.id });
      const detail = await adaClient.send('OrderDetail', { id: order.id });
      expect(detail.headers.get('x-cache')).toBe('MISS');
      expect(detail.body.data!.order.status).toBe('CANCELLED');
      const page = await adaClient.send('Viewer', { ordersFirst: 5 });
      expect(page.headers.get('x-cache')).toBe('MISS');
      expect(page.body.data!.viewer.orders.edges[0].node).toMatchObject({ id: order.id, status: 'CANCELLED' });
    });

    it('a product update drops its cached product page, the listings showing it, and related cards on other pages', async () => {
      const kitchen = inCategory(categoryBySlug('kitchen').id);
      const [target, neighbour] = [kitchen[0]!, kitchen[1]!];
      const listing = { category: 'kitchen', first: 4 };
      const productVars = { slug: target.slug };
      const neighbourVars = { slug: neighbour.slug };
      for (const [operation, variables] of [
        ['ProductPage', productVars],
        ['CatalogPage', listing],
        ['ProductPage', neighbourVars],
      ] as const) {
        await anonymous.send(operation, variables);
        expect((await anonymous.send(operation, variables)).headers.get('x-cache')).toBe('HIT');
      }
      expect(
        (await anonymous.send('ProductPage', neighbourVars)).body.data!.product.related.map((card: any) => card.id),
      ).toContain(target.id);

      const name = `${target.name} Mk II`;
      const update = await adminClient.send('UpdateProduct', {
        id: target.id,
        input: { name, priceAmount: target.priceAmount + 100 },
      });
      expect(update.body.data!.updateProduct.userErrors).toEqual([]);
      const card = { ...productCard(target), name, price: money(target.priceAmount + 100, target.currency) };

      const page = await anonymous.send('ProductPage', productVars);
      expect(page.headers.get('x-cache')).toBe('MISS');
      expect(page.body.data!.product).toMatchObject({ id: target.id, name, price: card.price });
      const list = await anonymous.send('CatalogPage', listing);
      expect(list.headers.get('x-cache')).toBe('MISS');
      expect(list.body.data!.catalog.edges[0].node).toEqual(card);
      const related = await anonymous.send('ProductPage', neighbourVars);
      expect(related.headers.get('x-cache')).toBe('MISS');
      expect(related.body.data!.product.related.find((each: any) => each.id === target.id)).toEqual(card);
    });
  });

  describe('hits answered before Apollo runs', () => {
    /** The catalog page as the app POSTs it, with any headers, as raw text. */
    async function rawCatalogPage(variables: Record<string, unknown>, headers: Record<string, string> = {}) {
      const response = await fetch(stack.webUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: webOperation('CatalogPage'), operationName: 'CatalogPage', variables }),
      });
      return { status: response.status, headers: response.headers, text: await response.text() };
    }

    it('send the very bytes and content type of the response that was stored', async () => {
      const variables = { category: 'kitchen', first: 5 };
      const miss = await rawCatalogPage(variables);
      expect(miss.headers.get('x-cache')).toBe('MISS');
      const hit = await rawCatalogPage(variables);
      expect(hit.headers.get('x-cache')).toBe('HIT');
      expect(hit.text).toBe(miss.text);
      expect(hit.headers.get('content-type')).toBe(miss.headers.get('content-type'));
      expect(Number(hit.headers.get('age'))).toBeGreaterThanOrEqual(0);
      // A client asking for the GraphQL media type gets it, from the same entry.
      const typed = await rawCatalogPage(variables, { accept: 'application/graphql-response+json' });
      expect(typed.headers.get('x-cache')).toBe('HIT');
      expect(typed.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
      expect(typed.text).toBe(miss.text);
    });

    it('a GET a browser could send cross-site is refused (CSRF), cached or not; with a preflight header it is a hit', async () => {
      const variables = { category: 'kitchen', first: 6 };
      expect((await rawCatalogPage(variables)).headers.get('x-cache')).toBe('MISS');
      const search = new URLSearchParams({
        query: webOperation('CatalogPage'),
        operationName: 'CatalogPage',
        variables: JSON.stringify(variables),
      });
      const simple = await fetch(`${stack.webUrl}?${search}`);
      expect(simple.status).toBe(400);
      expect(await simple.text()).toMatch(/Cross-Site Request Forgery/);
      const preflighted = await fetch(`${stack.webUrl}?${search}`, { headers: { 'apollo-require-preflight': 'true' } });
      expect(preflighted.status).toBe(200);
      expect(preflighted.headers.get('x-cache')).toBe('HIT');
    });

    it("an expired access cookie on a cached Viewer is renewed from the refresh cookie, and the answer is still that user's", async () => {
      const client = await signedIn(stack.webUrl, grace);
      await client.send('Viewer', { ordersFirst: 3 });
      expect((await client.send('Viewer', { ordersFirst: 3 })).headers.get('x-cache')).toBe('HIT');
      const { accessToken: expired } = await signAccessToken(
        { id: grace.id, role: 'CUSTOMER' },
        { secret: DEVELOPMENT_SECRET, ttlSeconds: -60 },
      );
      client.cookies.set('sf_session', expired);
      const renewed = await client.send('Viewer', { ordersFirst: 3 });
      expect(renewed.body.data!.viewer.id).toBe(grace.id);
      expect(client.lastSetCookies.length).toBeGreaterThan(0);
      expect(client.cookies.get('sf_session')).not.toBe(expired);
    });

    it('work the same on the in-process cache and limiter (no REDIS_URL): hits counted once each', async () => {
      const inProcess = createWebServer({
        config: loadWebConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', GATEWAY_URL: stack.gatewayUrl, RATE_LIMIT_PER_IP: '4' }),
      });
      const running = await inProcess.listen(0, '127.0.0.1');
      try {
        const client = new WebClient(running.url);
        const variables = { category: 'books', first: 4 };
        const answers = [];
        for (let i = 0; i < 4; i += 1) answers.push(await client.send('CatalogPage', variables));
        expect(answers.map((answer) => answer.headers.get('x-cache'))).toEqual(['MISS', 'HIT', 'HIT', 'HIT']);
        for (const answer of answers) expect(answer.body).toEqual(answers[0]!.body);
        const refused = await client.send('CatalogPage', variables);
        expect(refused.status).toBe(429);
        expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      } finally {
        await inProcess.stop();
      }
    });

    it("keep stacks that share one Redis apart by RESPONSE_CACHE_KEY_PREFIX: neither serves the other's answers", async () => {
      const serverWithPrefix = (prefix: string) =>
        createWebServer({
          config: loadWebConfig({
            NODE_ENV: 'test',
            LOG_LEVEL: 'silent',
            GATEWAY_URL: stack.gatewayUrl,
            REDIS_URL: testRedisUrl,
            RESPONSE_CACHE_KEY_PREFIX: `${stack.redisPrefix}${prefix}:`,
            RATE_LIMIT_KEY_PREFIX: `${stack.redisPrefix}${prefix}:rl:`,
          }),
        });
      const [staging, preview] = [serverWithPrefix('staging'), serverWithPrefix('preview')];
      try {
        const clientOf = async (server: typeof staging) => new WebClient((await server.listen(0, '127.0.0.1')).url);
        const stagingClient = await clientOf(staging);
        const previewClient = await clientOf(preview);
        const variables = { category: 'books', first: 3 };
        expect((await stagingClient.send('CatalogPage', variables)).headers.get('x-cache')).toBe('MISS');
        expect((await stagingClient.send('CatalogPage', variables)).headers.get('x-cache')).toBe('HIT');
        const elsewhere = await previewClient.send('CatalogPage', variables);
        expect(elsewhere.headers.get('x-cache')).toBe('MISS');
        expect(await redisEntryFor(`${stack.redisPrefix}staging:`, elsewhere.body)).toBeDefined();
      } finally {
        await Promise.all([staging.stop(), preview.stop()]);
      }
      expect(() => loadWebConfig({ RESPONSE_CACHE_KEY_PREFIX: 'two words' })).toThrow(/RESPONSE_CACHE_KEY_PREFIX/);
    });

    it('a forged access cookie gets 401 even for a cached public page', async () => {
      const variables = { category: 'kitchen', first: 7 };
      await anonymous.send('CatalogPage', variables);
      expect((await anonymous.send('CatalogPage', variables)).headers.get('x-cache')).toBe('HIT');
      const forged = (await signAccessToken({ id: ada.id, role: 'ADMIN' }, { secret: 'not-the-bff-secret-0000000000000000' }))
        .accessToken;
      const refused = await rawCatalogPage(variables, { cookie: `sf_session=${forged}` });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('x-cache')).toBeNull();
      expect(JSON.parse(refused.text).data ?? null).toBeNull();
    });
  });

  describe('batching with fewer related products (changes categories: runs last)', () => {
    it('a ProductPage whose product has no related products costs what one with 4 does', async () => {
      // Leave one product in "toys": move the others to "books" through the gateway, as an admin.
      const toys = inCategory(categoryBySlug('toys').id);
      const [alone, ...others] = toys;
      const token = await logIn(stack.gatewayUrl, admin.email, admin.password);
      for (const product of others) {
        const moved = await graphql(
          stack.gatewayUrl,
          'mutation ($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { userErrors { code } } }',
          { id: product.id, input: { categoryId: categoryBySlug('books').id } },
          { token },
        );
        expect(moved.body.data!.updateProduct.userErrors).toEqual([]);
      }
      const headers = { 'accept-language': 'en-IE' };
      const withFour = await costOf(stack, () =>
        anonymous.send('ProductPage', { slug: inCategory(categoryBySlug('outdoors').id)[3]!.slug }, headers),
      );
      const withNone = await costOf(stack, () => anonymous.send('ProductPage', { slug: alone!.slug }, headers));
      expect(withFour.result.headers.get('x-cache')).toBe('MISS');
      expect(withNone.result.headers.get('x-cache')).toBe('MISS');
      expect(withFour.result.body.data!.product.related).toHaveLength(4);
      expect(withNone.result.body.data!.product.related).toEqual([]);
      expect(withNone.gateway).toBe(withFour.gateway);
    });
  });
});
