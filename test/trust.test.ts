// Trust boundaries: subgraphs answer only requests the gateway signed (SUBGRAPH_SECRET),
// on every GraphQL request including _entities and _service, while health and metrics stay
// open; orders signs its own calls to catalog; secrets come from the environment and no
// service starts in production with a default one.
import { spawn } from 'node:child_process';
import { products } from '@storefront/catalog/seed-data';
import { ada } from '@storefront/users/seed-data';
import { loadCatalogConfig } from '@storefront/catalog/config';
import { ConfigError, DEVELOPMENT_SECRET } from '@storefront/config';
import { createGatewayServer } from '@storefront/gateway/server';
import { loadGatewayConfig } from '@storefront/gateway/config';
import { loadMobileConfig } from '@storefront/bff-mobile/config';
import { loadOrdersConfig } from '@storefront/orders/config';
import { createOrdersServer } from '@storefront/orders/server';
import { loadUsersConfig } from '@storefront/users/config';
import { loadWebConfig } from '@storefront/bff-web/config';
import { clientAddressResolver } from '@storefront/request-identity';
import { signSubgraphRequest } from '@storefront/auth';
import { repositoryRoot } from '@storefront/db';
import { accessTokenFor, graphql, testSubgraphSecret } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startStack, type Stack } from './support/stack.js';

const SERVICE_SDL = '{ _service { sdl } }';
const ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Product { id name } }
}`;
const OTHER_SECRET = 'another-secret-that-is-long-enough-0000000';

/** POSTs a GraphQL body to `url` with exactly the given extra headers (no signature unless given). */
async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  return {
    status: response.status,
    body: JSON.parse(text) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> },
  };
}

function expectRefused(response: Awaited<ReturnType<typeof post>>) {
  expect(response.status).toBe(403);
  expect(response.body.data).toBeUndefined();
  expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  expect(response.body.errors?.[0]?.message).toMatch(/must come through the gateway/i);
}

describe('subgraphs accept only the gateway', () => {
  let stack: Stack;
  let productId: string;

  beforeAll(async () => {
    stack = await startStack();
    productId = products.find((product) => product.stockQuantity > 10)!.id;
  });
  afterAll(() => stack?.stop());

  const urls = () => ({
    users: stack.subgraphs.users.running.url,
    catalog: stack.subgraphs.catalog.running.url,
    orders: stack.subgraphs.orders.running.url,
  });

  it('refuses a direct query, _service and _entities without the signature, on every subgraph', async () => {
    for (const [name, url] of Object.entries(urls())) {
      expectRefused(await post(url, JSON.stringify({ query: SERVICE_SDL })));
      expectRefused(await post(url, JSON.stringify({ query: '{ __typename }' })));
      if (name === 'catalog') {
        expectRefused(
          await post(
            url,
            JSON.stringify({ query: ENTITIES, variables: { representations: [{ __typename: 'Product', id: productId }] } }),
          ),
        );
        expectRefused(await post(url, JSON.stringify({ query: '{ products(first: 1) { nodes { id name } } }' })));
      }
    }
    // GET too (the query in the URL).
    const response = await fetch(`${urls().catalog}?query=${encodeURIComponent(SERVICE_SDL)}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(403);
  });

  it('refuses a caller token alone: identity is not a credential of the gateway', async () => {
    const token = await accessTokenFor(ada);
    expectRefused(await post(urls().orders, JSON.stringify({ query: '{ __typename }' }), { authorization: `Bearer ${token}` }));
  });

  it('answers a request signed with the secret (the refusal is the signature, nothing else)', async () => {
    const body = JSON.stringify({ query: ENTITIES, variables: { representations: [{ __typename: 'Product', id: productId }] } });
    const response = await post(urls().catalog, body, signSubgraphRequest(testSubgraphSecret, { method: 'POST', body }));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ data: { _entities: [{ id: productId }] } });
    const sdl = JSON.stringify({ query: SERVICE_SDL });
    expect((await post(urls().users, sdl, signSubgraphRequest(testSubgraphSecret, { method: 'POST', body: sdl }))).status).toBe(
      200,
    );
  });

  it('refuses a wrong secret, an expired or future timestamp, another body and a malformed signature', async () => {
    const body = JSON.stringify({ query: SERVICE_SDL });
    const url = urls().catalog;
    expectRefused(await post(url, body, signSubgraphRequest(OTHER_SECRET, { method: 'POST', body })));
    expectRefused(await post(url, body, signSubgraphRequest(testSubgraphSecret, { method: 'POST', body }, Date.now() - 120_000)));
    expectRefused(await post(url, body, signSubgraphRequest(testSubgraphSecret, { method: 'POST', body }, Date.now() + 120_000)));
    // A captured signature does not carry over to another body ...
    const captured = signSubgraphRequest(testSubgraphSecret, {
      method: 'POST',
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expectRefused(await post(url, body, captured));
    // ... nor to another method.
    expectRefused(await post(url, body, signSubgraphRequest(testSubgraphSecret, { method: 'GET', body })));
    const valid = signSubgraphRequest(testSubgraphSecret, { method: 'POST', body });
    expectRefused(await post(url, body, { ...valid, 'x-gateway-signature': 'v1=not-a-signature' }));
    expectRefused(await post(url, body, { ...valid, 'x-gateway-timestamp': 'yesterday' }));
    expectRefused(await post(url, body, { 'x-gateway-signature': valid['x-gateway-signature']! }));
    // The client address the gateway names is signed too: it cannot be added, changed or dropped.
    expectRefused(await post(url, body, { ...valid, 'x-client-ip': '203.0.113.7' }));
    const named = signSubgraphRequest(testSubgraphSecret, { method: 'POST', body, clientIp: '203.0.113.7' });
    expect((await post(url, body, { ...named, 'x-client-ip': '203.0.113.7' })).status).toBe(200);
    expectRefused(await post(url, body, { ...named, 'x-client-ip': '203.0.113.8' }));
    expectRefused(await post(url, body, named));
    // Refused before anything reads the body: not even its JSON is judged.
    expectRefused(await post(url, '{ not json'));
  });

  it('refuses a signed request replayed within its time window (each signature is good once)', async () => {
    const body = JSON.stringify({ query: ENTITIES, variables: { representations: [{ __typename: 'Product', id: productId }] } });
    const captured = signSubgraphRequest(testSubgraphSecret, { method: 'POST', body });
    expect((await post(urls().catalog, body, captured)).status).toBe(200);
    expectRefused(await post(urls().catalog, body, captured));
    // Signed anew, the same request goes through again.
    expect((await post(urls().catalog, body, signSubgraphRequest(testSubgraphSecret, { method: 'POST', body }))).status).toBe(
      200,
    );
  });

  it('keeps health and metrics open', async () => {
    for (const url of Object.values(urls())) {
      const base = url.replace(/\/graphql$/, '');
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      // Refusals are counted.
      if (url === urls().catalog) expect(await metrics.text()).toMatch(/graphql_errors_total\{code="FORBIDDEN"[^}]*\} [1-9]/);
    }
  });

  it('serves everything through the gateway, including orders asking catalog for prices', async () => {
    const token = await accessTokenFor(ada);
    const placed = await graphql<{ placeOrder: { order: { id: string; items: Array<{ product: { name: string } }> } | null } }>(
      stack.gatewayUrl,
      'mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { order { id items { product { name } } } userErrors { code } } }',
      { input: { items: [{ productId, quantity: 1 }] }, key: `trust-${Date.now()}` },
      { token },
    );
    expect(placed.body.errors).toBeUndefined();
    expect(placed.body.data?.placeOrder.order?.items[0]?.product.name).toBeTruthy();
  });

  it('fails closed when the gateway holds another secret: no data, a masked error', async () => {
    const gateway = createGatewayServer({
      config: loadGatewayConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        SUBGRAPH_SECRET: OTHER_SECRET,
        USERS_URL: urls().users,
        CATALOG_URL: urls().catalog,
        ORDERS_URL: urls().orders,
        SUBGRAPH_RETRIES: '0',
      }),
    });
    const running = await gateway.listen(0, '127.0.0.1');
    try {
      const response = await graphql(running.url, '{ products(first: 1) { nodes { id } } }', {}, { unsigned: true });
      expect(response.body.data?.products ?? null).toBeNull();
      expect(JSON.stringify(response.body)).not.toMatch(/127\.0\.0\.1|localhost|x-gateway/);
      expect(response.body.errors?.length).toBeGreaterThan(0);
    } finally {
      await gateway.stop();
    }
  });

  it('refuses orders\u2019 calls to catalog signed with another secret', async () => {
    const orders = createOrdersServer({
      config: loadOrdersConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        SUBGRAPH_SECRET: OTHER_SECRET,
        CATALOG_URL: urls().catalog,
      }),
      databaseUrl: stack.subgraphs.orders.database.url,
    });
    const running = await orders.listen(0, '127.0.0.1');
    try {
      const token = await accessTokenFor(ada);
      const body = JSON.stringify({
        query:
          'mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { order { id } userErrors { code } } }',
        variables: { input: { items: [{ productId, quantity: 1 }] }, key: `trust-other-${Date.now()}` },
      });
      // This orders instance is reached with its own secret, as its gateway would; its call to catalog is refused.
      const response = await post(running.url, body, {
        authorization: `Bearer ${token}`,
        ...signSubgraphRequest(OTHER_SECRET, { method: 'POST', body }),
      });
      expect(response.status).toBe(200);
      expect(JSON.stringify(response.body)).toMatch(/CATALOG_UNAVAILABLE/);
      expect(JSON.stringify(response.body)).not.toMatch(/"id":"[0-9a-f-]{36}"/);
    } finally {
      await orders.stop();
    }
  });
});

describe('client addresses', () => {
  it('ignores X-Forwarded-For unless TRUST_PROXY trusts the hop', () => {
    expect(clientAddressResolver()('10.1.2.3', '198.51.100.7')).toBe('10.1.2.3');
    expect(clientAddressResolver({ kind: 'none' })('::ffff:10.1.2.3', '198.51.100.7')).toBe('10.1.2.3');
  });

  it('walks X-Forwarded-For from the right through trusted hops only', () => {
    const loopback = clientAddressResolver({ kind: 'list', entries: ['loopback'] });
    expect(loopback('127.0.0.1', '198.51.100.7')).toBe('198.51.100.7');
    // A client cannot smuggle an address in front of the one the trusted proxy saw.
    expect(loopback('127.0.0.1', '1.1.1.1, 198.51.100.7')).toBe('198.51.100.7');
    expect(loopback('10.0.0.9', '198.51.100.7')).toBe('10.0.0.9');
    const networks = clientAddressResolver({ kind: 'list', entries: ['10.0.0.0/8', 'loopback'] });
    expect(networks('127.0.0.1', '1.1.1.1, 198.51.100.7, 10.0.0.4')).toBe('198.51.100.7');
    expect(networks('127.0.0.1', 'garbage, 10.0.0.4')).toBe('10.0.0.4');
  });

  it('trusts a number of hops, or all of them', () => {
    expect(clientAddressResolver({ kind: 'hops', hops: 1 })('10.0.0.1', '1.1.1.1, 198.51.100.7')).toBe('198.51.100.7');
    expect(clientAddressResolver({ kind: 'hops', hops: 2 })('10.0.0.1', '1.1.1.1, 198.51.100.7')).toBe('1.1.1.1');
    expect(clientAddressResolver({ kind: 'all' })('10.0.0.1', '1.1.1.1, 198.51.100.7')).toBe('1.1.1.1');
  });

  it('parses TRUST_PROXY and refuses nonsense', () => {
    expect(loadGatewayConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toEqual({
      kind: 'list',
      entries: ['loopback', '10.0.0.0/8'],
    });
    expect(loadGatewayConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toEqual({ kind: 'hops', hops: 2 });
    expect(loadGatewayConfig({}).TRUST_PROXY).toEqual({ kind: 'none' });
    expect(() => loadGatewayConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY/);
  });
});

describe('secrets in production', () => {
  const realJwt = 'a-real-jwt-secret-from-the-vault-0123456789';
  const realSubgraph = 'a-real-subgraph-secret-from-the-vault-01234';

  it('refuses missing or default secrets in every service', () => {
    const loaders = {
      gateway: loadGatewayConfig,
      users: loadUsersConfig,
      catalog: loadCatalogConfig,
      orders: loadOrdersConfig,
    };
    for (const load of Object.values(loaders)) {
      expect(() => load({ NODE_ENV: 'production' })).toThrow(ConfigError);
      expect(() => load({ NODE_ENV: 'production' })).toThrow(/SUBGRAPH_SECRET: must be set/);
      expect(() => load({ NODE_ENV: 'production', JWT_SECRET: realJwt })).toThrow(/SUBGRAPH_SECRET/);
      expect(() => load({ NODE_ENV: 'production', JWT_SECRET: realJwt, SUBGRAPH_SECRET: DEVELOPMENT_SECRET })).toThrow(
        /SUBGRAPH_SECRET/,
      );
      expect(() => load({ NODE_ENV: 'production', JWT_SECRET: realJwt, SUBGRAPH_SECRET: 'short' })).toThrow(/SUBGRAPH_SECRET/);
      expect(() => load({ NODE_ENV: 'production', SUBGRAPH_SECRET: realSubgraph })).toThrow(/JWT_SECRET/);
      expect(load({ NODE_ENV: 'production', JWT_SECRET: realJwt, SUBGRAPH_SECRET: realSubgraph }).SUBGRAPH_SECRET).toBe(
        realSubgraph,
      );
    }
    for (const load of [loadWebConfig, loadMobileConfig]) {
      expect(() => load({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET: must be set/);
    }
    // Outside production the development default keeps a checkout working.
    expect(loadGatewayConfig({}).SUBGRAPH_SECRET).toBe(DEVELOPMENT_SECRET);
  });

  it('a service started in production with the default subgraph secret exits, naming it', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/main.ts'], {
      cwd: repositoryRoot,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        JWT_SECRET: realJwt,
        SUBGRAPH_SECRET: '',
        GATEWAY_PORT: '0',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', (exit) => resolve(exit)));
    expect(code).toBe(1);
    expect(output).toMatch(/SUBGRAPH_SECRET: must be set to a real secret in production/);
    expect(output).not.toMatch(/gateway ready/);
  }, 30_000);
});
