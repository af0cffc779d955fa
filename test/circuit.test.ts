import { createMobileServer } from '@storefront/bff-mobile/server';
import { loadMobileConfig } from '@storefront/bff-mobile/config';
import { products } from '@storefront/catalog/seed-data';
import { orders as seedOrders } from '@storefront/orders/seed-data';
import { ada } from '@storefront/users/seed-data';
import { errorCodes, eventually, graphql, type GraphQLResponse } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startStallingProxy, type StallingProxy } from './support/proxy.js';
import { logIn } from './support/session.js';
import { startStack, type Stack } from './support/stack.js';

/**
 * Resilient calls, over HTTP against the running stack with real subgraphs: a TCP proxy in
 * front of a subgraph (or of the gateway) makes it hang, refuse, or answer 503, and counts the
 * connections and requests that reach it.
 */

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
const NO_URLS = /127\.0\.0\.1|localhost|ECONNREFUSED|https?:\/\//;

/** A series' value on a server's /metrics, found by its name and the labels given. */
async function metric(graphqlUrl: string, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'))).text();
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2] ?? '';
    if (Object.entries(labels).every(([key, value]) => present.includes(`${key}="${value}"`))) return Number(match[3]);
  }
  return undefined;
}

const circuitState = (url: string, target: string) => metric(url, 'circuit_state', { target });

describe('circuit breaker per subgraph', () => {
  let stack: Stack;
  let catalog: StallingProxy | undefined;
  let token: string;
  const order = () => graphql(stack.gatewayUrl, ORDER_WITH_PRODUCTS, { id: adaOrder.id }, { token });

  /** users' and orders' data intact, catalog's fields null, and `code` on them. */
  function expectCatalogMissing(response: GraphQLResponse, code: string) {
    expect(response.status).toBe(200);
    expect(response.body.data!.me.name).toBe(ada.name);
    expect(response.body.data!.order.status).toBe(adaOrder.status);
    expect(response.body.data!.order.items.every((item: any) => item.product === null)).toBe(true);
    expect(errorCodes(response)).toContain(code);
    // Each error names a product field the failed catalog fetch should have filled.
    expect(response.body.errors!.every((error) => /^order\.items\.\d+\.product\.name$/.test(error.path?.join('.') ?? ''))).toBe(
      true,
    );
    expect(JSON.stringify(response.body)).not.toMatch(NO_URLS);
  }

  beforeAll(async () => {
    stack = await startStack({
      subgraphTimeoutMs: 500,
      gatewayEnv: {
        // Opens when over half of at least 4 calls in 30 s failed; probes again after 2 s.
        SUBGRAPH_BREAKER_VOLUME: '4',
        SUBGRAPH_BREAKER_ERROR_PERCENT: '50',
        SUBGRAPH_BREAKER_WINDOW_MS: '30000',
        SUBGRAPH_BREAKER_RESET_MS: '2000',
        SUBGRAPH_RETRY_BACKOFF_MS: '5',
      },
      gatewayUrlFor: async (name, url) => {
        if (name !== 'catalog') return url;
        catalog = await startStallingProxy(url);
        return catalog.url;
      },
    });
    token = await logIn(stack.gatewayUrl, ada.email, ada.password);
  });
  afterAll(async () => {
    await catalog?.close();
    await stack?.stop();
  });

  it('starts closed', async () => {
    const response = await order();
    expect(response.body.errors).toBeUndefined();
    expect(await circuitState(stack.gatewayUrl, 'catalog')).toBe(0);
    expect(await circuitState(stack.gatewayUrl, 'users')).toBe(0);
  });

  it('a hanging subgraph gives GATEWAY_TIMEOUT within the timeout, not a hung request', async () => {
    catalog!.stall();
    try {
      expectCatalogMissing(await order(), 'GATEWAY_TIMEOUT');
    } finally {
      catalog!.resume();
    }
  });

  it('opens after enough failures, then fails fast with CIRCUIT_OPEN without contacting the subgraph', async () => {
    catalog!.fail('reset');
    const opened = await eventually(
      order,
      (response) => errorCodes(response).includes('CIRCUIT_OPEN'),
      'the catalog circuit to open',
    );
    expectCatalogMissing(opened, 'CIRCUIT_OPEN');
    const error = opened.body.errors!.find((candidate) => candidate.extensions?.code === 'CIRCUIT_OPEN')!;
    expect(error.message).toMatch(/^The catalog service is unavailable/);
    expect(await circuitState(stack.gatewayUrl, 'catalog')).toBe(1);
    // The other subgraphs' breakers are untouched.
    expect(await circuitState(stack.gatewayUrl, 'users')).toBe(0);

    const connections = catalog!.connections();
    const requests = catalog!.failedRequests().length;
    for (let call = 0; call < 3; call += 1) expectCatalogMissing(await order(), 'CIRCUIT_OPEN');
    expect(catalog!.connections()).toBe(connections);
    expect(catalog!.failedRequests()).toHaveLength(requests);
    expect(await metric(stack.gatewayUrl, 'circuit_rejections_total', { target: 'catalog' })).toBeGreaterThanOrEqual(3);
  });

  it('goes half-open after the reset timeout; a failing probe (one request) opens it again', async () => {
    await eventually(
      () => circuitState(stack.gatewayUrl, 'catalog'),
      (state) => state === 0.5,
      'half-open',
    );
    const requests = catalog!.failedRequests().length;
    const probe = await order();
    expect(errorCodes(probe).some((code) => code === 'CIRCUIT_OPEN' || code === 'SUBGRAPH_UNAVAILABLE')).toBe(true);
    // One probe reached the subgraph; its retry met the breaker open again.
    expect(catalog!.failedRequests()).toHaveLength(requests + 1);
    expect(await circuitState(stack.gatewayUrl, 'catalog')).toBe(1);
  });

  it('closes by itself once a half-open probe succeeds against the recovered subgraph', async () => {
    catalog!.resume();
    await eventually(
      () => circuitState(stack.gatewayUrl, 'catalog'),
      (state) => state === 0.5,
      'half-open',
    );
    const connections = catalog!.connections();
    const probe = await order();
    expect(probe.body.errors).toBeUndefined();
    expect(probe.body.data!.order.items.every((item: any) => typeof item.product.name === 'string')).toBe(true);
    expect(catalog!.connections()).toBeGreaterThan(connections);
    expect(await circuitState(stack.gatewayUrl, 'catalog')).toBe(0);
    expect((await order()).body.errors).toBeUndefined();
  });

  it('keeps the subgraph latency histogram, with the breaker outcome', async () => {
    expect(
      await metric(stack.gatewayUrl, 'gateway_subgraph_request_duration_seconds_count', { subgraph: 'catalog', outcome: 'ok' }),
    ).toBeGreaterThan(0);
    expect(
      await metric(stack.gatewayUrl, 'gateway_subgraph_request_duration_seconds_count', {
        subgraph: 'catalog',
        outcome: 'circuit_open',
      }),
    ).toBeGreaterThan(0);
  });
});

describe('retries', () => {
  let stack: Stack;
  const proxies: Partial<Record<'catalog' | 'orders', StallingProxy>> = {};
  let token: string;

  beforeAll(async () => {
    stack = await startStack({
      gatewayEnv: {
        // Breakers out of the way: these tests count attempts.
        SUBGRAPH_BREAKER_VOLUME: '100000',
        SUBGRAPH_RETRIES: '2',
        SUBGRAPH_RETRY_BACKOFF_MS: '5',
        // Two retries whatever the traffic, then one retry per five calls, over a minute.
        SUBGRAPH_RETRY_BUDGET_MIN: '2',
        SUBGRAPH_RETRY_BUDGET_PERCENT: '20',
        SUBGRAPH_RETRY_BUDGET_WINDOW_MS: '60000',
      },
      gatewayUrlFor: async (name, url) => {
        if (name === 'users') return url;
        const proxy = await startStallingProxy(url);
        proxies[name] = proxy;
        return proxy.url;
      },
    });
    token = await logIn(stack.gatewayUrl, ada.email, ada.password);
  });
  afterAll(async () => {
    await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
    await stack?.stop();
  });

  const PLACE_ORDER = /* GraphQL */ `
    mutation ($input: PlaceOrderInput!, $key: String!) {
      placeOrder(input: $input, idempotencyKey: $key) {
        order {
          id
        }
        userErrors {
          code
        }
      }
    }
  `;

  it.each(['unavailable', 'reset'] as const)(
    'never repeats a mutation: a failing placeOrder (%s) is sent to orders once',
    async (mode) => {
      const orders = proxies.orders!;
      orders.fail(mode);
      try {
        const before = orders.failedRequests().length;
        const response = await graphql(
          stack.gatewayUrl,
          PLACE_ORDER,
          { input: { items: [{ productId: products[1]!.id, quantity: 1 }] }, key: `circuit-${mode}-${Date.now()}` },
          { token },
        );
        expect(errorCodes(response)).toEqual(['SUBGRAPH_UNAVAILABLE']);
        expect(JSON.stringify(response.body)).not.toMatch(NO_URLS);
        const sent = orders.failedRequests().slice(before);
        expect(sent).toHaveLength(1);
        expect(sent[0]).toMatch(/^\{"query":"mutation/);
        expect(sent[0]).toContain('placeOrder');
      } finally {
        orders.resume();
      }
    },
  );

  it('retries a failing query (SUBGRAPH_RETRIES times), then answers without it', async () => {
    const orders = proxies.orders!;
    orders.fail('unavailable');
    try {
      const before = orders.failedRequests().length;
      const response = await graphql(
        stack.gatewayUrl,
        '{ me { name } order(id: "' + adaOrder.id + '") { status } }',
        {},
        { token },
      );
      expect(response.body.data!.me.name).toBe(ada.name);
      expect(errorCodes(response)).toEqual(['SUBGRAPH_UNAVAILABLE']);
      const sent = orders.failedRequests().slice(before);
      expect(sent).toHaveLength(3);
      expect(new Set(sent).size).toBe(1);
      expect(sent[0]).toMatch(/^\{"query":"(query|\{)/);
    } finally {
      orders.resume();
    }
    // And recovers at once.
    expect(
      (await graphql(stack.gatewayUrl, `{ order(id: "${adaOrder.id}") { status } }`, {}, { token })).body.errors,
    ).toBeUndefined();
  });

  it('the retry budget stops retries when most calls fail', async () => {
    const catalog = proxies.catalog!;
    catalog.fail('reset');
    const calls = 20;
    try {
      for (let call = 0; call < calls; call += 1) {
        const response = await graphql(stack.gatewayUrl, '{ products(first: 1) { nodes { id } } }');
        expect(errorCodes(response)).toEqual(['SUBGRAPH_UNAVAILABLE']);
      }
    } finally {
      catalog.resume();
    }
    const sent = catalog.failedRequests().length;
    // Without a budget: 20 × (1 + 2) = 60 requests. With it: 2 + 20 % of 20 = 6 retries at most.
    expect(sent).toBeGreaterThan(calls);
    expect(sent).toBeLessThanOrEqual(calls + 2 + (calls * 20) / 100);
    expect(await metric(stack.gatewayUrl, 'upstream_retry_budget_exhausted_total', { target: 'catalog' })).toBeGreaterThan(0);
    expect(await metric(stack.gatewayUrl, 'upstream_retries_total', { target: 'catalog' })).toBe(sent - calls);
  });
});

describe('BFF → gateway', () => {
  let stack: Stack;
  let proxy: StallingProxy;
  let mobile: ReturnType<typeof createMobileServer>;
  let url: string;
  let token: string;
  let search = 0;
  // A new search each time, so the BFF's response cache never answers for the gateway.
  const tiles = () =>
    graphql(url, 'query ($search: String) { products(first: 2, search: $search) { nodes { id } } }', {
      search: `nothing-${(search += 1)}`,
    });

  beforeAll(async () => {
    stack = await startStack();
    token = await logIn(stack.gatewayUrl, ada.email, ada.password);
    proxy = await startStallingProxy(stack.gatewayUrl);
    mobile = createMobileServer({
      config: loadMobileConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        GATEWAY_URL: proxy.url,
        GATEWAY_TIMEOUT_MS: '2000',
        GATEWAY_RETRIES: '1',
        GATEWAY_RETRY_BACKOFF_MS: '5',
        GATEWAY_BREAKER_VOLUME: '4',
        GATEWAY_BREAKER_WINDOW_MS: '30000',
        GATEWAY_BREAKER_RESET_MS: '2000',
      }),
    });
    url = (await mobile.listen(0, '127.0.0.1')).url;
  });
  afterAll(async () => {
    await mobile?.stop();
    await proxy?.close();
    await stack?.stop();
  });

  it('answers while the gateway is up', async () => {
    const response = await tiles();
    expect(response.body.errors).toBeUndefined();
    expect(await circuitState(url, 'gateway')).toBe(0);
  });

  it('sends a mutation once and retries a query when the gateway fails', async () => {
    proxy.fail('unavailable');
    const before = proxy.failedRequests().length;
    const placed = await graphql(
      url,
      'mutation ($items: [OrderLineInput!]!, $key: String!) { placeOrder(items: $items, idempotencyKey: $key) { order { id } error { code } } }',
      { items: [{ productId: products[1]!.id, quantity: 1 }], key: `bff-circuit-${Date.now()}` },
      { token },
    );
    expect(errorCodes(placed)).toEqual(['SERVICE_UNAVAILABLE']);
    const mutationSent = proxy.failedRequests().slice(before);
    expect(mutationSent).toHaveLength(1);
    expect(mutationSent[0]).toContain('"operationName":"PlaceOrder"');

    const query = await tiles();
    expect(errorCodes(query)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(proxy.failedRequests().slice(before + 1)).toHaveLength(2);
  });

  it('opens when the gateway is down: CIRCUIT_OPEN without a request to the gateway', async () => {
    proxy.fail('reset');
    const opened = await eventually(
      tiles,
      (response) => errorCodes(response).includes('CIRCUIT_OPEN'),
      'the gateway circuit to open',
    );
    expect(opened.body.errors![0]!.message).toMatch(/^The gateway service is unavailable/);
    expect(JSON.stringify(opened.body)).not.toMatch(NO_URLS);
    expect(await circuitState(url, 'gateway')).toBe(1);
    const connections = proxy.connections();
    expect(errorCodes(await tiles())).toEqual(['CIRCUIT_OPEN']);
    expect(proxy.connections()).toBe(connections);
  });

  it('recovers by itself: half-open, then closed after a successful call', async () => {
    proxy.resume();
    await eventually(
      () => circuitState(url, 'gateway'),
      (state) => state === 0.5,
      'half-open',
    );
    const response = await tiles();
    expect(response.body.errors).toBeUndefined();
    expect(await circuitState(url, 'gateway')).toBe(0);
  });
});
