import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RedisCacheStore, persistedQueryId } from '@storefront/bff';
import { createMobileServer } from '@storefront/bff-mobile/server';
import { loadMobileConfig } from '@storefront/bff-mobile/config';
import { products } from '@storefront/catalog/seed-data';
import { ada } from '@storefront/users/seed-data';
import { expectLabelled, testRedis, testRedisUrl } from '@storefront/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MOBILE_MANIFEST_PATH, buildMobileManifest, manifestText } from '../scripts/build-mobile-manifest.js';
import {
  getGraphQL,
  mobileLogIn,
  mobileOperation,
  mobileOperations,
  persistedQuery,
  postGraphQL,
  send,
  sendPersisted,
  type MobileResponse,
} from './support/mobile.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let url: string;
let redis: Redis;

beforeAll(async () => {
  stack = await startStack({ mobile: true });
  url = stack.mobileUrl;
  redis = new Redis(testRedisUrl);
});

afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
});

const codes = (response: MobileResponse) => (response.body.errors ?? []).map((error) => error.extensions?.code);
const gatewayCalls = async (server: { metrics: { registry: { metrics(): Promise<string> } } } | Stack) => {
  const text = 'mobileMetrics' in server ? await server.mobileMetrics() : await server.metrics.registry.metrics();
  return [...text.matchAll(/^bff_gateway_requests_total\{[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
};

/** A query the app does not have: each test gets its own text, so its own hash. */
function adHocQuery() {
  const name = `Tiles_${randomBytes(4).toString('hex')}`;
  const query = `query ${name}($first: Int) { products(first: $first) { nodes { id name } } }`;
  return { name, query, hash: persistedQueryId(query) };
}

describe('the operation manifest (bff-mobile/persisted-queries.json)', () => {
  it('is up to date with contracts/mobile (run `npm run manifest:mobile` after the app changes)', () => {
    expect(readFileSync(MOBILE_MANIFEST_PATH, 'utf8')).toBe(manifestText(buildMobileManifest()));
  });

  it('lists every operation of the app, by the hash of the exact text the app sends', () => {
    const manifest = JSON.parse(readFileSync(MOBILE_MANIFEST_PATH, 'utf8'));
    expect(manifest.format).toBe('apollo-persisted-query-manifest');
    expect(manifest.version).toBe(1);
    expect(manifest.operations.map((operation: { name: string }) => operation.name).sort()).toEqual(
      [...mobileOperations.keys()].sort(),
    );
    for (const operation of manifest.operations) {
      const app = mobileOperation(operation.name);
      expect(operation).toEqual({ id: app.hash, name: app.name, type: app.type, body: app.document });
    }
  });
});

describe('automatic persisted queries', () => {
  it('hash miss, register with hash and query, hash hit, GET with hash', async () => {
    const { name, query, hash } = adHocQuery();
    const variables = { first: 2 };
    const expected = {
      data: {
        products: {
          nodes: products
            .slice(-2)
            .reverse()
            .map(({ id, name: productName }) => ({ id, name: productName })),
        },
      },
    };

    // 1. The hash alone, unknown: PersistedQueryNotFound, so the client sends the document.
    const miss = await postGraphQL(url, { operationName: name, variables, extensions: persistedQuery(hash) });
    expect(miss.status).toBe(200);
    expect(miss.body).toEqual({
      errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }],
    });
    const getMiss = await getGraphQL(url, { operationName: name, variables, extensions: persistedQuery(hash) });
    expect(codes(getMiss)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);

    // 2. Hash and document: runs and registers it, in Redis.
    const register = await postGraphQL(url, { operationName: name, query, variables, extensions: persistedQuery(hash) });
    expect(register.body).toEqual(expected);
    expect(await redis.get(`${stack.redisPrefix}pq:mobile:apq:${hash}`)).toBe(query);

    // 3. The hash alone now runs it.
    const hit = await postGraphQL(url, { operationName: name, variables, extensions: persistedQuery(hash) });
    expect(hit.body).toEqual(expected);

    // 4. As a GET, which HTTP caches and CDNs can keep.
    const get = await getGraphQL(url, { operationName: name, variables, extensions: persistedQuery(hash) });
    expect(get.status).toBe(200);
    expect(get.body).toEqual(expected);
    expect(get.headers.get('cache-control')).toBe('max-age=60, public');
    expect(get.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
  });

  it('registrations are shared by every instance through Redis', async () => {
    const { name, query, hash } = adHocQuery();
    await postGraphQL(url, { operationName: name, query, variables: { first: 1 }, extensions: persistedQuery(hash) });
    const other = createMobileServer({
      config: loadMobileConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', GATEWAY_URL: stack.gatewayUrl, REDIS_URL: testRedisUrl }),
      store: new RedisCacheStore(testRedis, stack.redisPrefix),
    });
    const running = await other.listen(0, '127.0.0.1');
    try {
      const hit = await getGraphQL(running.url, {
        operationName: name,
        variables: { first: 1 },
        extensions: persistedQuery(hash),
      });
      expect(hit.body.data!.products.nodes).toHaveLength(1);
    } finally {
      await other.stop();
    }
  });

  it("the app's own operations are pre-registered: their hashes hit without ever sending the document", async () => {
    for (const [name, variables] of [
      ['Products', { first: 3 }],
      ['ProductDetail', { id: products[0]!.id }],
      ['Home', {}],
    ] as const) {
      const { hash } = mobileOperation(name);
      const response = await getGraphQL(url, { operationName: name, variables, extensions: persistedQuery(hash) });
      expectLabelled(response.status, name).toBe(200);
      expectLabelled(response.body.errors, name).toBeUndefined();
      expectLabelled(response.body.data, name).toBeTruthy();
    }
    // Mutations too (over POST).
    const { hash } = mobileOperation('LogIn');
    const logIn = await postGraphQL(url, {
      operationName: 'LogIn',
      variables: { email: ada.email, password: ada.password },
      extensions: persistedQuery(hash),
    });
    expect(logIn.body.data!.logIn.user.id).toBe(ada.id);
  });

  it('refuses a hash that does not match the document, and mutations over GET', async () => {
    const { name, query } = adHocQuery();
    const wrong = await postGraphQL(url, { operationName: name, query, extensions: persistedQuery('0'.repeat(64)) });
    expect(wrong.status).toBe(400);
    expect(wrong.body.data).toBeUndefined();
    expect(await redis.get(`${stack.redisPrefix}pq:mobile:apq:${'0'.repeat(64)}`)).toBeNull();

    const { hash } = mobileOperation('PlaceOrder');
    const get = await getGraphQL(url, {
      operationName: 'PlaceOrder',
      variables: { items: [{ productId: products[0]!.id, quantity: 1 }], idempotencyKey: 'get-is-not-for-mutations' },
      extensions: persistedQuery(hash),
    });
    expect(get.status).toBe(405);
  });

  it('GET needs a header a browser cannot send cross-site (CSRF prevention); Apollo iOS and Kotlin send one', async () => {
    const { hash } = mobileOperation('Products');
    const search = new URLSearchParams({ operationName: 'Products', extensions: JSON.stringify(persistedQuery(hash)) });
    const bare = await fetch(`${url}?${search}`);
    expect(bare.status).toBe(400);
    expect(await bare.text()).toMatch(/Cross-Site Request Forgery/);
    const app = await fetch(`${url}?${search}`, { headers: { 'x-apollo-operation-name': 'Products' } });
    expect(app.status).toBe(200);
  });
});

describe('HTTP revalidation (ETag and 304)', () => {
  it('a cacheable GET carries Cache-Control and a strong ETag; If-None-Match gets 304 without a body', async () => {
    const params = {
      operationName: 'Products',
      variables: { first: 5 },
      extensions: persistedQuery(mobileOperation('Products').hash),
    };
    const first = await getGraphQL(url, params);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(first.headers.get('cache-control')).toBe('max-age=60, public');
    expect(first.headers.get('vary')).toMatch(/Authorization, Accept-Language/);

    const revalidated = await getGraphQL(url, params, { headers: { 'if-none-match': etag } });
    expect(revalidated.status).toBe(304);
    expect(revalidated.text).toBe('');
    expect(revalidated.headers.get('etag')).toBe(etag);
    expect(revalidated.headers.get('cache-control')).toMatch(/^max-age=\d+, public$/);
    // Several validators, weak ones too, as RFC 9110 allows.
    expect((await getGraphQL(url, params, { headers: { 'if-none-match': `"other", W/${etag}` } })).status).toBe(304);

    // Another validator: the full body again.
    const changed = await getGraphQL(url, params, { headers: { 'if-none-match': '"something-else"' } });
    expect(changed.status).toBe(200);
    expect(changed.text).toBe(first.text);

    // The ETag is the body's: another language, another body, another ETag.
    const german = await getGraphQL(url, params, { language: 'de' });
    expect(german.headers.get('etag')).not.toBe(etag);
    expect((await getGraphQL(url, params, { language: 'de', headers: { 'if-none-match': etag } })).status).toBe(200);
  });

  it("a signed-in home revalidates per user, and changes when the user's orders do", async () => {
    const { accessToken: token } = await mobileLogIn(url, ada.email, ada.password);
    const params = { operationName: 'Home', extensions: persistedQuery(mobileOperation('Home').hash) };
    const first = await getGraphQL(url, params, { token });
    expect(first.headers.get('cache-control')).toMatch(/^max-age=\d+, private$/);
    const etag = first.headers.get('etag')!;
    expect((await getGraphQL(url, params, { token, headers: { 'if-none-match': etag } })).status).toBe(304);

    await send(
      url,
      'PlaceOrder',
      { items: [{ productId: products[10]!.id, quantity: 1 }], idempotencyKey: `etag-${randomUUID()}` },
      { token },
    );
    const after = await getGraphQL(url, params, { token, headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
  });

  it('no ETag on POST, on errors or on uncacheable responses', async () => {
    const post = await send(url, 'Products', { first: 2 });
    expect(post.headers.get('etag')).toBeNull();
    const error = await getGraphQL(url, {
      operationName: 'Products',
      variables: { first: 500 },
      extensions: persistedQuery(mobileOperation('Products').hash),
    });
    expect(codes(error)).toEqual(['BAD_USER_INPUT']);
    expect(error.headers.get('etag')).toBeNull();
    const miss = await getGraphQL(url, { operationName: 'X', extensions: persistedQuery('f'.repeat(64)) });
    expect(miss.headers.get('etag')).toBeNull();
  });
});

describe('the safelist in production', () => {
  let production: ReturnType<typeof createMobileServer>;
  let productionUrl: string;
  const prefix = `sf:test:${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    production = createMobileServer({
      config: loadMobileConfig({
        NODE_ENV: 'production',
        LOG_LEVEL: 'silent',
        GATEWAY_URL: stack.gatewayUrl,
        REDIS_URL: testRedisUrl,
        JWT_SECRET: 'a-production-secret-for-this-test-only-0123456789',
      }),
      store: new RedisCacheStore(testRedis, prefix),
    });
    productionUrl = (await production.listen(0, '127.0.0.1')).url;
  });

  afterAll(async () => {
    await production?.stop();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  });

  it("runs the app's operations, by hash (pre-registered) or by their exact document", async () => {
    for (const [name, variables] of [
      ['Products', { first: 2 }],
      ['ProductDetail', { id: products[0]!.id }],
      ['Home', {}],
    ] as const) {
      const byHash = await sendPersisted(productionUrl, name, variables);
      expectLabelled(byHash.status, name).toBe(200);
      expectLabelled(byHash.body.errors, name).toBeUndefined();
      const byDocument = await send(productionUrl, name, variables);
      expectLabelled(byDocument.body, name).toEqual(byHash.body);
    }
    const logIn = await sendPersisted(productionUrl, 'LogIn', { email: ada.email, password: ada.password });
    expect(logIn.body.data!.logIn.user.id).toBe(ada.id);
  });

  it('refuses any other document with 400 PERSISTED_QUERY_NOT_IN_SAFELIST, without running or registering it', async () => {
    const callsBefore = await gatewayCalls(production);
    const { name, query, hash } = adHocQuery();
    const refused = await postGraphQL(productionUrl, { operationName: name, query, variables: { first: 1 } });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      errors: [
        {
          message: expect.stringMatching(/not one of the app's persisted operations/),
          extensions: { code: 'PERSISTED_QUERY_NOT_IN_SAFELIST' },
        },
      ],
    });

    // As an APQ registration: refused, and not registered.
    const register = await postGraphQL(productionUrl, { operationName: name, query, extensions: persistedQuery(hash) });
    expect(register.status).toBe(400);
    expect(codes(register)).toEqual(['PERSISTED_QUERY_NOT_IN_SAFELIST']);
    expect(await redis.get(`${prefix}pq:mobile:apq:${hash}`)).toBeNull();
    // An unknown hash is never found, so the app can only send its document, which is refused.
    expect(codes(await getGraphQL(productionUrl, { operationName: name, extensions: persistedQuery(hash) }))).toEqual([
      'PERSISTED_QUERY_NOT_FOUND',
    ]);

    // The app's operation, reformatted: not the text the manifest holds.
    const reformatted = mobileOperation('Products').document.replace(/\n\s*/g, ' ');
    expect(codes(await postGraphQL(productionUrl, { operationName: 'Products', query: reformatted }))).toEqual([
      'PERSISTED_QUERY_NOT_IN_SAFELIST',
    ]);
    // Introspection, too.
    const introspection = await postGraphQL(productionUrl, { query: '{ __schema { types { name } } }' });
    expect(introspection.status).toBe(400);

    expect(await gatewayCalls(production)).toBe(callsBefore);
  });

  it('a hash registered outside production does not open the safelist', async () => {
    const { name, query, hash } = adHocQuery();
    // Registered through a development instance sharing the production Redis prefix.
    const development = createMobileServer({
      config: loadMobileConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', GATEWAY_URL: stack.gatewayUrl, REDIS_URL: testRedisUrl }),
      store: new RedisCacheStore(testRedis, prefix),
    });
    const running = await development.listen(0, '127.0.0.1');
    try {
      await postGraphQL(running.url, { operationName: name, query, variables: { first: 1 }, extensions: persistedQuery(hash) });
      expect(await redis.get(`${prefix}pq:mobile:apq:${hash}`)).toBe(query);
    } finally {
      await development.stop();
    }
    expect(codes(await getGraphQL(productionUrl, { operationName: name, extensions: persistedQuery(hash) }))).toEqual([
      'PERSISTED_QUERY_NOT_FOUND',
    ]);
  });

  it('outside production, anything goes', async () => {
    const { name, query } = adHocQuery();
    const response = await postGraphQL(url, { operationName: name, query, variables: { first: 1 } });
    expect(response.status).toBe(200);
    expect(response.body.data!.products.nodes).toHaveLength(1);
  });
});
