import { products } from '@storefront/catalog/seed-data';
import { orderEvents } from '@storefront/orders-events';
import { catalogEvents } from '@storefront/catalog-events';
import { ada, admin, grace } from '@storefront/users/seed-data';
import { eventually, expectLabelled, graphql } from '@storefront/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { metricValue } from '../bench/stack.js';
import { fetchFrom, sendEverythingFrom } from './support/client-address.js';
import { mobileLogIn, mobileOperation, send as sendMobile, type MobileResponse } from './support/mobile.js';
import { BALANCER_ADDRESS, startReplicatedStack, type ReplicatedStack } from './support/replicas.js';
import type { ServiceProcess } from './support/service-process.js';
import { logIn } from './support/session.js';
import { WebClient } from './support/web-client.js';

// Every request of this file comes from 127.0.0.2 unless a test picks another client address;
// HAProxy connects to the services from BALANCER_ADDRESS (127.0.0.3).
const CLIENT_ADDRESS = '127.0.0.2';
const MOBILE_PER_IP = 20;
/** Codes a client may retry: the request did not run, or (for a keyed order) running it again is safe. */
const RETRYABLE = new Set(['SERVICE_UNAVAILABLE', 'CIRCUIT_OPEN', 'GATEWAY_TIMEOUT', 'SUBGRAPH_UNAVAILABLE']);

/** True when every error of `answer` is one a client may retry (and there is at least one). */
function isRetryable(answer: Answer): boolean {
  const codes = (answer.body.errors ?? []).map((error) => String(error.extensions?.code));
  return codes.length > 0 && codes.every((code) => RETRYABLE.has(code));
}

/** What the load loop reads of any answer. */
interface Answer {
  status: number;
  body: { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
}

async function query<Row extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** A browser tab on one web BFF URL, holding `cookies` (copied, as a second tab of the same browser would). */
function webTab(url: string, cookies: Map<string, string> = new Map()): WebClient {
  const tab = new WebClient(url);
  for (const [name, value] of cookies) tab.cookies.set(name, value);
  return tab;
}

describe('two instances of every service behind HAProxy, on real Postgres and Redis', () => {
  let stack: ReplicatedStack;
  let adminToken: string;
  const servedBy = (response: { headers: Headers }) => response.headers.get('x-served-by');

  beforeAll(async () => {
    sendEverythingFrom(CLIENT_ADDRESS);
    stack = await startReplicatedStack({
      replicas: 2,
      drainMs: 3_000,
      redisDatabase: 13,
      serviceEnv: { 'bff-mobile': { RATE_LIMIT_PER_IP: String(MOBILE_PER_IP) } },
    });
    adminToken = await logIn(stack.balanced.gateway, admin.email, admin.password);
  }, 600_000);
  afterAll(() => stack?.stop(), 60_000);

  it('routes each tier round-robin over both of its instances', async () => {
    for (const service of ['bff-web', 'gateway'] as const) {
      const seen = new Set<string | null>();
      for (let request = 0; request < 4; request += 1) {
        const response = await fetch(stack.balanced[service], {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ __typename }' }),
        });
        expect(response.status).toBe(200);
        seen.add(servedBy(response));
      }
      expect([...seen].sort()).toEqual([`${service}-0`, `${service}-1`]);
    }
  }, 120_000);

  it('a web session made on one instance works on the other, and a refresh rotated on one is taken up by the other', async () => {
    const [web0, web1] = stack.instances['bff-web'] as [ServiceProcess, ServiceProcess];
    const tab = webTab(web0.graphqlUrl);
    const login = await tab.send('LogIn', { email: ada.email, password: ada.password });
    expect(login.body.data!.logIn).toMatchObject({ viewer: { email: ada.email }, userErrors: [] });
    expectLabelled([...tab.cookies.keys()].sort(), tab.lastSetCookies.join('\n')).toEqual(['sf_refresh', 'sf_session']);
    const viewerOn = async (url: string, cookies: Map<string, string>) => {
      const other = webTab(url, cookies);
      const response = await other.send('Viewer', { ordersFirst: 1 });
      expect(response.body.errors).toBeUndefined();
      expectLabelled(
        response.body.data!.viewer,
        `${url}: ${JSON.stringify(response.body)} ${other.lastSetCookies.join('; ')}`,
      ).not.toBeNull();
      return { email: response.body.data!.viewer?.email as string | undefined, cookies: other.cookies };
    };
    expect((await viewerOn(web1.graphqlUrl, tab.cookies)).email).toBe(ada.email);
    // Through the balancer, both instances in turn.
    for (let request = 0; request < 2; request += 1)
      expect((await viewerOn(stack.balanced['bff-web'], tab.cookies)).email).toBe(ada.email);

    // The browser drops the access cookie when it expires; the next request renews it with the refresh cookie.
    const stale = new Map(tab.cookies);
    stale.delete('sf_session');
    const renewed = await viewerOn(web0.graphqlUrl, stale);
    expect(renewed.email).toBe(ada.email);
    expect(renewed.cookies.get('sf_refresh')).not.toBe(stale.get('sf_refresh'));
    // A second tab still holding the old refresh cookie lands on the other instance at the same
    // moment: it gets the session web-0 rotated to (shared through Redis), instead of presenting
    // a spent token, which the users service would take for theft and end the session over.
    const secondTab = await viewerOn(web1.graphqlUrl, stale);
    expect(secondTab.email).toBe(ada.email);
    expect(secondTab.cookies.get('sf_refresh')).toBe(renewed.cookies.get('sf_refresh'));
    // The session lives on: the rotated refresh cookie renews again, on the other instance.
    const rotated = new Map(renewed.cookies);
    rotated.delete('sf_session');
    const again = await viewerOn(web1.graphqlUrl, rotated);
    expect(again.email).toBe(ada.email);
    expect(again.cookies.get('sf_refresh')).not.toBe(renewed.cookies.get('sf_refresh'));
  }, 120_000);

  it('mobile tokens from one instance work on the other, and a rotation on one is enforced by the other', async () => {
    const [mobile0, mobile1] = stack.instances['bff-mobile'] as [ServiceProcess, ServiceProcess];
    const refresh = async (url: string, refreshToken: string) =>
      (
        await sendMobile<{
          refreshSession: { session: { accessToken: string; refreshToken: string } | null; error: { code: string } | null };
        }>(url, 'RefreshSession', { refreshToken })
      ).body.data!.refreshSession;
    const myOrders = (url: string, token: string) => sendMobile(url, 'MyOrders', { first: 1 }, { token });

    const session = await mobileLogIn(mobile0.graphqlUrl, grace.email, grace.password);
    const orders = await myOrders(mobile1.graphqlUrl, session.accessToken);
    expect(orders.status).toBe(200);
    expect(orders.body.data!.myOrders.nodes).toHaveLength(1);

    const first = await refresh(mobile0.graphqlUrl, session.refreshToken);
    expect(first.error).toBeNull();
    expect((await myOrders(mobile1.graphqlUrl, first.session!.accessToken)).status).toBe(200);
    const second = await refresh(mobile1.graphqlUrl, first.session!.refreshToken);
    expect(second.error).toBeNull();
    // The token mobile-1 just rotated, replayed on mobile-0: theft, the whole session ends...
    expect((await refresh(mobile0.graphqlUrl, first.session!.refreshToken)).error).toEqual({
      code: 'REFRESH_TOKEN_REUSED',
      message: expect.any(String),
    });
    // ...so the newest refresh token is dead on either instance.
    expect((await refresh(mobile1.graphqlUrl, second.session!.refreshToken)).error?.code).toBe('INVALID_REFRESH_TOKEN');
  }, 120_000);

  it('a product change drops the cached pages of every instance of both BFFs', async () => {
    const product = products.filter((candidate) => candidate.stockQuantity > 0)[40]!;
    const { accessToken } = await mobileLogIn(stack.balanced['bff-mobile'], ada.email, ada.password);
    const webPage = (instance: ServiceProcess) => webTab(instance.graphqlUrl).send('ProductPage', { slug: product.slug });
    const mobilePage = (instance: ServiceProcess) =>
      sendMobile(instance.graphqlUrl, 'ProductDetail', { id: product.id }, { token: accessToken });
    const pages = [
      ...stack.instances['bff-web'].map((instance) => async () => {
        const response = await webPage(instance);
        return { name: response.body.data!.product.name as string, cache: response.headers.get('x-cache') };
      }),
      ...stack.instances['bff-mobile'].map((instance) => async () => {
        const response = await mobilePage(instance);
        return { name: response.body.data!.product.name as string, cache: response.headers.get('x-cache') };
      }),
    ];

    // Cached once per BFF, then a hit on the other instance: the cache is shared.
    const [web0, web1, mobile0, mobile1] = pages as [(typeof pages)[0], (typeof pages)[0], (typeof pages)[0], (typeof pages)[0]];
    expect(await web0()).toEqual({ name: product.name, cache: 'MISS' });
    expect(await web1()).toEqual({ name: product.name, cache: 'HIT' });
    expect(await mobile0()).toEqual({ name: product.name, cache: 'MISS' });
    expect(await mobile1()).toEqual({ name: product.name, cache: 'HIT' });

    const renamed = `${product.name} (renamed)`;
    const update = await graphql(
      stack.balanced.gateway,
      'mutation ($id: ID!, $name: String!) { updateProduct(id: $id, input: { name: $name }) { userErrors { code } } }',
      { id: product.id, name: renamed },
      { token: adminToken },
    );
    expect(update.body.data!.updateProduct.userErrors).toEqual([]);
    // The entries live 60 s; the change shows on every instance long before.
    for (const page of pages)
      await eventually(page, (seen) => seen.name === renamed, 'the renamed product on every instance', 15_000);
  }, 120_000);

  it('rate limits are shared by the instances and keyed on the client address HAProxy adds, never on its own or a forged one', async () => {
    const product = products[3]!;
    const limited = fetchFrom('127.0.0.5');
    const neighbour = fetchFrom('127.0.0.6');
    const ask = async (url: string, from: ReturnType<typeof fetchFrom>, forwardedFor?: string) => {
      const response = await from(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-apollo-operation-name': 'ProductDetail',
          ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
        },
        body: JSON.stringify({
          operationName: 'ProductDetail',
          query: mobileOperation('ProductDetail').document,
          variables: { id: product.id },
        }),
      });
      return {
        status: response.status,
        servedBy: response.headers.get('x-served-by'),
        body: (await response.json()) as MobileResponse['body'],
      };
    };

    // Each request claims another client address; were the claim believed, none would be limited.
    const forged = (n: number) => (n % 2 === 0 ? `198.51.100.${n}` : `${BALANCER_ADDRESS}, 198.51.100.${n}`);
    const served = new Set<string | null>();
    for (let n = 0; n < MOBILE_PER_IP; n += 1) {
      const answer = await ask(stack.balanced['bff-mobile'], limited, forged(n));
      expectLabelled(answer.status, JSON.stringify(answer.body)).toBe(200);
      served.add(answer.servedBy);
    }
    expect([...served].sort()).toEqual(['bff-mobile-0', 'bff-mobile-1']);
    const refused = await ask(stack.balanced['bff-mobile'], limited, '203.0.113.9');
    expect(refused.status).toBe(429);
    expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    // Straight to an instance, the header is not even read (the peer is no trusted proxy): same budget.
    for (const instance of stack.instances['bff-mobile'])
      expect((await ask(instance.graphqlUrl, limited, '203.0.113.10')).status).toBe(429);
    // Another client behind the same balancer has its own budget.
    expect((await ask(stack.balanced['bff-mobile'], neighbour)).status).toBe(200);

    const redis = new Redis(stack.redisUrl);
    try {
      const keys = await redis.keys(`${stack.prefix}rl:mobile:ip:*`);
      const addresses = keys.map((key) => key.slice(`${stack.prefix}rl:mobile:ip:`.length)).sort();
      expect(addresses).toContain('127.0.0.5');
      expect(addresses).toContain('127.0.0.6');
      expect(addresses.filter((address) => address === BALANCER_ADDRESS || !address.startsWith('127.0.0.'))).toEqual([]);
    } finally {
      redis.disconnect();
    }
  }, 120_000);

  /** Both buyers' bearer tokens, signed in through the balancer. */
  async function buyers() {
    return Promise.all(
      [ada, grace].map(async (user) => (await mobileLogIn(stack.balanced['bff-mobile'], user.email, user.password)).accessToken),
    );
  }

  async function setStock(productId: string, stock: number) {
    const response = await graphql(
      stack.balanced.gateway,
      'mutation ($id: ID!, $stock: Int!) { updateProduct(id: $id, input: { stockQuantity: $stock }) { userErrors { code } } }',
      { id: productId, stock },
      { token: adminToken },
    );
    expect(response.body.data!.updateProduct.userErrors).toEqual([]);
  }

  /** Waits until none of `orderIds` is PENDING (catalog answered each), and returns their statuses. */
  async function settled(orderIds: string[]): Promise<Map<string, string>> {
    const rows = await eventually(
      () =>
        query<{ id: string; status: string }>(
          stack.databases.orders.url,
          'SELECT id, status FROM orders WHERE id = ANY($1::uuid[])',
          [orderIds],
        ),
      (found) => found.length === orderIds.length && found.every((row) => row.status !== 'PENDING'),
      'every order answered by the catalog',
      60_000,
    );
    return new Map(rows.map((row) => [row.id, row.status]));
  }

  /** How often each event id of `stream` was published, and the orders its entries are about, by type. */
  async function published(stream: string) {
    const redis = new Redis(stack.redisUrl);
    try {
      const entries = (await redis.xrange(stream, '-', '+')) as Array<[string, string[]]>;
      const events = entries.map(
        ([, fields]) =>
          JSON.parse(fields[fields.indexOf('event') + 1]!) as { id: string; type: string; payload: { orderId?: string } },
      );
      const copies = new Map<string, number>();
      for (const event of events) copies.set(event.id, (copies.get(event.id) ?? 0) + 1);
      return { copies, events };
    } finally {
      redis.disconnect();
    }
  }

  it('two orders relays publish each event once and two catalog consumers apply each reservation once: 200 concurrent orders', async () => {
    const pool = products.filter((candidate) => candidate.stockQuantity > 0).slice(20, 25);
    const initial = 60;
    for (const product of pool) await setStock(product.id, initial);
    const tokens = await buyers();
    const placed: Array<{ id: string; lines: Array<{ productId: string; quantity: number }> }> = [];
    let retried = 0;
    let outOfStock = 0;
    // 20 clients at a time, 10 rounds, through the balancer; demand exceeds supply.
    for (let round = 0; round < 10; round += 1) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, index) => {
          const n = round * 20 + index;
          const lines = [{ productId: pool[n % 5]!.id, quantity: 1 + (n % 3) }];
          if (n % 2 === 0) lines.push({ productId: pool[(n + 2) % 5]!.id, quantity: 1 });
          const send = () =>
            sendMobile(
              stack.balanced['bff-mobile'],
              'PlaceOrder',
              { items: lines, idempotencyKey: `replicas-bulk-${n}` },
              { token: tokens[n % 2]! },
            );
          let response = await send();
          // A burst may find every connection busy: a retryable code, and the app's retry with the same key.
          for (let tries = 1; tries < 5 && isRetryable(response); tries += 1) {
            retried += 1;
            response = await send();
          }
          if (response.body.errors)
            throw new Error(`${JSON.stringify(response.body)}\n${stack.logs('orders', 'catalog', 'gateway')}`);
          const { order, error } = response.body.data!.placeOrder as {
            order: { id: string } | null;
            error: { code: string } | null;
          };
          // Demand exceeds supply: an order for more than the stock left is refused at once...
          if (error?.code === 'OUT_OF_STOCK') outOfStock += 1;
          else {
            expect(error).toBeNull();
            placed.push({ id: order!.id, lines });
          }
        }),
      );
    }
    const ids = placed.map((order) => order.id);
    expect(new Set(ids).size).toBe(placed.length);
    expect(placed.length + outOfStock).toBe(200);
    // Most of the burst is taken at once; retries are the exception, not the way through.
    expect(retried).toBeLessThan(40);
    const statuses = await settled(ids);

    const confirmed = placed.filter((order) => statuses.get(order.id) === 'CONFIRMED');
    // ...or, placed while stock seemed enough, cancelled when the catalog could not reserve it.
    expect(confirmed.length).toBeGreaterThan(0);
    expect(confirmed.length).toBeLessThan(200);
    const stock = new Map(
      (
        await query<{ id: string; stock: number }>(
          stack.databases.catalog.url,
          'SELECT id, stock_quantity AS stock FROM products WHERE id = ANY($1::uuid[])',
          [pool.map((product) => product.id)],
        )
      ).map((row) => [row.id, row.stock]),
    );
    for (const product of pool) {
      const sold = confirmed
        .flatMap((order) => order.lines)
        .filter((line) => line.productId === product.id)
        .reduce((sum, line) => sum + line.quantity, 0);
      expect(stock.get(product.id)).toBeGreaterThanOrEqual(0);
      expect(stock.get(product.id)).toBe(initial - sold);
    }
    const [{ count }] = (await query<{ count: string }>(
      stack.databases.catalog.url,
      'SELECT count(*) FROM stock_reservations WHERE order_id = ANY($1::uuid[])',
      [ids],
    )) as [{ count: string }];
    expect(Number(count)).toBe(placed.length);

    // Each event on each stream exactly once: one OrderPlaced and one answer from catalog per order.
    const fromOrders = await published(orderEvents.stream(stack.prefix));
    const fromCatalog = await published(catalogEvents.stream(stack.prefix));
    for (const { copies } of [fromOrders, fromCatalog]) expect([...copies.values()].filter((times) => times > 1)).toEqual([]);
    const ours = new Set(ids);
    const about = (events: typeof fromOrders.events, types: string[]) =>
      events
        .filter((event) => types.includes(event.type) && ours.has(event.payload.orderId ?? ''))
        .map((event) => event.payload.orderId)
        .sort();
    expect(about(fromOrders.events, ['OrderPlaced'])).toEqual([...ids].sort());
    expect(about(fromCatalog.events, ['StockReserved', 'StockReservationFailed'])).toEqual([...ids].sort());
    expect(await stack.deadLetters()).toEqual([]);

    // Both instances did their share: each orders relay published, each catalog consumer applied reservations.
    for (const instance of stack.instances.orders)
      expectLabelled(metricValue(await instance.metrics(), 'events_published_total'), instance.name).toBeGreaterThan(0);
    for (const instance of stack.instances.catalog) {
      expectLabelled(
        metricValue(await instance.metrics(), 'events_processed_total', { type: 'OrderPlaced' }),
        instance.name,
      ).toBeGreaterThan(0);
    }
  }, 300_000);

  it('a rolling restart under load loses no request and no order: each instance is drained, stopped with SIGTERM and started again', async () => {
    const [product] = products.filter((candidate) => candidate.stockQuantity > 0).slice(60, 61) as [(typeof products)[number]];
    await setStock(product.id, 100_000);
    const tokens = await buyers();
    const outcomes = { ok: 0, retried: 0, failures: [] as string[] };
    const keys = new Set<string>();
    let restarting = true;
    let sent = 0;
    const MAX_REQUESTS = 1_500;

    /** One request through the balancer; true when it succeeded, false on a retryable coded error. */
    const attempt = async <Response extends Answer>(send: () => Promise<Response>, done: (response: Response) => boolean) => {
      sent += 1;
      const response = await send().catch(
        (error: unknown) =>
          ({ status: 0, body: { errors: [{ message: error instanceof Error ? error.message : String(error) }] } }) as Response,
      );
      if (!response.body.errors?.length && done(response)) {
        outcomes.ok += 1;
        return true;
      }
      if (isRetryable(response)) {
        outcomes.retried += 1;
        return false;
      }
      outcomes.failures.push(`${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
      return false;
    };
    const placeOrder = async (worker: number, key: string) => {
      const token = tokens[worker % 2]!;
      // The app's retry: the same key again, until it is answered.
      for (let tries = 0; tries < 20; tries += 1) {
        const placed = await attempt(
          () =>
            sendMobile(
              stack.balanced['bff-mobile'],
              'PlaceOrder',
              { items: [{ productId: product.id, quantity: 1 }], idempotencyKey: key },
              { token },
            ),
          (response) => response.body.data?.placeOrder?.order?.id !== undefined,
        );
        if (placed) return;
      }
    };
    const worker = async (index: number) => {
      for (let n = 0; restarting && sent < MAX_REQUESTS; n += 1) {
        if (n % 3 === 0) {
          const key = `replicas-rolling-${index}-${n}`;
          keys.add(key);
          await placeOrder(index, key);
        } else if (n % 3 === 1) {
          await attempt(
            () => sendMobile(stack.balanced['bff-mobile'], 'MyOrders', { first: 5 }, { token: tokens[index % 2]! }),
            (response) => Array.isArray(response.body.data?.myOrders?.nodes),
          );
        } else {
          await attempt(
            () => webTab(stack.balanced['bff-web']).send('CatalogPage', { first: 4 }),
            (response) => Array.isArray(response.body.data?.catalog?.edges),
          );
        }
        // Modest load: the point is requests in flight during every restart, not throughput.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const load = Promise.all([0, 1, 2].map(worker));

    const restarts: Array<{ instance: string; exit: unknown; servingWhenTakenOut: boolean }> = [];
    try {
      for (const service of ['users', 'catalog', 'orders', 'gateway', 'bff-web', 'bff-mobile'] as const) {
        for (const instance of stack.instances[service]) {
          const { exit, servingWhenTakenOut } = await stack.restart(instance);
          restarts.push({ instance: instance.name, exit, servingWhenTakenOut });
        }
      }
    } finally {
      restarting = false;
      await load;
    }

    // Each one drained: HAProxy took it out while it still served, then it stopped cleanly.
    expect(restarts).toEqual(
      Object.values(stack.instances)
        .flat()
        .map((instance) => ({ instance: instance.name, exit: { code: 0, signal: null }, servingWhenTakenOut: true })),
    );
    expectLabelled(outcomes.failures, stack.logs('bff-mobile', 'bff-web', 'gateway')).toEqual([]);
    expect(outcomes.ok).toBeGreaterThan(50);
    console.info(`rolling restart: ${sent} requests, ${outcomes.ok} answered, ${outcomes.retried} retryable errors (retried)`);

    // Every order the clients were told about exists once, and no other: nothing lost, nothing doubled.
    const rows = await query<{ key: string; id: string; count: string }>(
      stack.databases.orders.url,
      "SELECT idempotency_key AS key, min(id::text) AS id, count(*) FROM orders WHERE idempotency_key LIKE 'replicas-rolling-%' GROUP BY idempotency_key",
    );
    expect(rows.filter((row) => Number(row.count) !== 1)).toEqual([]);
    expect(rows.map((row) => row.key).sort()).toEqual([...keys].sort());
    const statuses = await settled(rows.map((row) => row.id));
    expect([...statuses.values()].filter((status) => status !== 'CONFIRMED')).toEqual([]);
    expect(await stack.deadLetters()).toEqual([]);
  }, 600_000);
});
