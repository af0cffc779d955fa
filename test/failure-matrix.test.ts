import { randomUUID } from 'node:crypto';
import { products } from '@storefront/catalog/seed-data';
import { orders as seedOrders } from '@storefront/orders/seed-data';
import { stableId } from '@storefront/seed-data';
import { ada, admin, grace } from '@storefront/users/seed-data';
import { accessTokenFor, eventually, expectLabelled, graphql, softAssertions, testRedisUrl } from '@storefront/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { loadClientOperations } from '../scripts/lib/client-operations.js';
import { mobileLogIn, postGraphQL } from './support/mobile.js';
import { startStallingProxy, type StallingProxy } from './support/proxy.js';
import { startStack, type Stack } from './support/stack.js';
import { WebClient } from './support/web-client.js';

/**
 * Every query and mutation the two apps send, while each subgraph in turn is killed and then
 * frozen past its timeout, on one production-mode stack: a failure is always a coded error
 * at a path, never data (a null, an empty list) and never cached, the healthy parts of the
 * answer are there, and once the subgraph is back the next answer is fresh and correct.
 */

const JWT_SECRET = 'a-production-jwt-secret-for-the-failure-matrix-0123456789';
const SUBGRAPH_SECRET = 'a-production-subgraph-secret-for-the-failure-matrix-0123456789';
const SUBGRAPHS = ['users', 'catalog', 'orders'] as const;
type Subgraph = (typeof SUBGRAPHS)[number];
const OUTAGES = ['killed', 'frozen'] as const;
type Outage = (typeof OUTAGES)[number];
/** What an upstream failure may be called at a BFF. */
const UPSTREAM_CODES = new Set(['SERVICE_UNAVAILABLE', 'GATEWAY_TIMEOUT', 'CIRCUIT_OPEN']);

const adaOrder = seedOrders.find((order) => order.buyerId === ada.id)!;
const inStock = products.find((product) => product.stockQuantity > 10)!;
const someProduct = products[3]!;

type Client = 'web' | 'mobile';
interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: {
    data?: Record<string, any> | null;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
  };
}

/** One contract operation as the matrix sends it. */
interface Case {
  client: Client;
  name: string;
  type: 'query' | 'mutation';
  send(phase: number): Promise<Answer>;
}

/** Probes the gateway with, per subgraph, a query only that subgraph answers. */
const PROBES: Record<Subgraph, string> = {
  users: '{ me { id } }',
  catalog: '{ categories { id } }',
  orders: '{ me { orders(first: 1) { totalCount } } }',
};

/**
 * Every place where `actual` lacks what `expected` (the healthy answer) has, and no error
 * explains it: a null with no error at or under its path, a list of another length, a value
 * that differs.
 */
function unexplainedGaps(actual: unknown, expected: unknown, errorPaths: string[], path: Array<string | number> = []): string[] {
  const here = path.join('.');
  const explained = () => errorPaths.some((errorPath) => here === '' || errorPath === here || errorPath.startsWith(`${here}.`));
  if ((actual === null || actual === undefined) && expected !== null && expected !== undefined)
    return explained() ? [] : [`${here || 'data'} is null`];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length)
      return explained() ? [] : [`${here} has ${JSON.stringify(actual)?.slice(0, 80)}`];
    return expected.flatMap((item, index) => unexplainedGaps(actual[index], item, errorPaths, [...path, index]));
  }
  if (typeof expected === 'object' && expected !== null) {
    return Object.keys(expected).flatMap((key) =>
      unexplainedGaps((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], errorPaths, [
        ...path,
        key,
      ]),
    );
  }
  return actual === expected ? [] : [`${here} is ${JSON.stringify(actual)}, not ${JSON.stringify(expected)}`];
}

describe('the failure matrix: each subgraph killed, then frozen, under every contract operation', () => {
  let stack: Stack;
  const proxies = {} as Record<Subgraph, StallingProxy>;
  const cases: Case[] = [];
  /** Each query's answer while everything is healthy, by client and name. */
  const healthy = new Map<string, Answer['body']['data']>();
  let gatewayToken: string | undefined;
  let internals: RegExp;

  const key = (item: Pick<Case, 'client' | 'name'>) => `${item.client} ${item.name}`;

  async function clearResponseCache(): Promise<void> {
    const redis = new Redis(testRedisUrl);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${stack.redisPrefix}cache:*`, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }

  async function answersThroughGateway(subgraph: Subgraph): Promise<boolean> {
    const probe = await graphql(stack.gatewayUrl, PROBES[subgraph], {}, { token: gatewayToken! });
    return probe.body.errors === undefined;
  }

  const until = (condition: () => Promise<boolean>, what: string) => eventually(condition, Boolean, what, { intervalMs: 50 });

  beforeAll(async () => {
    stack = await startStack({
      web: true,
      mobile: true,
      env: { NODE_ENV: 'production', JWT_SECRET, SUBGRAPH_SECRET },
      subgraphTimeoutMs: 2000,
      // Short waits, so a frozen subgraph costs little time: catalog's own (for orders and the gateway) under the gateway's.
      ordersCallCatalogAsGateway: true,
      ordersEnv: { CATALOG_TIMEOUT_MS: '1000' },
      gatewayEnv: {
        CATALOG_TIMEOUT_MS: '2000',
        SUBGRAPH_BREAKER_VOLUME: '3',
        SUBGRAPH_BREAKER_RESET_MS: '1000',
        SUBGRAPH_RETRY_BACKOFF_MS: '5',
      },
      gatewayUrlFor: async (name, url) => {
        proxies[name] = await startStallingProxy(url);
        return proxies[name].url;
      },
    });
    const ports = [
      stack.gatewayUrl,
      stack.webUrl,
      stack.mobileUrl,
      ...SUBGRAPHS.flatMap((name) => [proxies[name].url, stack.subgraphs[name].running.url]),
    ].map((url) => new URL(url).port);
    internals = new RegExp(
      `127\\.0\\.0\\.1|localhost|ECONN|EPIPE|TimeoutError|\\bat \\S+ \\(|node_modules|:(${ports.join('|')})\\b`,
    );
    // A cold stack (first plans, first connections) may miss the short timeouts once: wait until it answers.
    await until(async () => {
      const response = await graphql(
        stack.gatewayUrl,
        'mutation ($email: String!, $password: String!) { logIn(email: $email, password: $password) { session { accessToken } } }',
        { email: ada.email, password: ada.password },
      );
      gatewayToken = response.body.data?.logIn.session?.accessToken;
      return gatewayToken !== undefined;
    }, 'the gateway to sign ada in');
    for (const subgraph of SUBGRAPHS)
      await until(() => answersThroughGateway(subgraph), `${subgraph} to answer through the gateway`);

    const web = (signedIn?: { email: string; password: string }) => async () => {
      const client = new WebClient(stack.webUrl);
      if (signedIn) {
        const response = await client.send('LogIn', signedIn);
        expectLabelled(response.body.data?.logIn.viewer, JSON.stringify(response.body)).toBeTruthy();
      }
      return client;
    };
    const webAnonymous = await web()();
    const webAda = await web(ada)();
    const webGrace = await web(grace)();
    const webAdmin = await web(admin)();
    const mobileAda = await mobileLogIn(stack.mobileUrl, ada.email, ada.password);
    const mobileGrace = await mobileLogIn(stack.mobileUrl, grace.email, grace.password);
    // What each phase spends: a signed-in browser to sign out, a refresh token, an order to cancel.
    const spent: Array<{ signedIn: WebClient; refreshToken: string; order: string }> = [];
    for (let phase = 0; phase < SUBGRAPHS.length * OUTAGES.length; phase += 1) {
      let order: string | undefined;
      await until(async () => {
        const placed = await webGrace.send('PlaceOrder', {
          input: { items: [{ productId: inStock.id, quantity: 1 }] },
          idempotencyKey: randomUUID(),
        });
        order = placed.body.data?.placeOrder.order?.id;
        return order !== undefined;
      }, 'an order for grace to cancel');
      const { refreshToken } = await mobileLogIn(stack.mobileUrl, grace.email, grace.password);
      spent.push({ signedIn: await web(grace)(), refreshToken, order: order! });
    }

    const webSend =
      (client: WebClient, name: string, variables: (phase: number) => Record<string, unknown> = () => ({})) =>
      async (phase: number) => {
        const response = await client.send(name, variables(phase));
        return { status: response.status, headers: response.headers, text: JSON.stringify(response.body), body: response.body };
      };
    const mobileDocuments = loadClientOperations('mobile');
    const mobileSend =
      (token: string | undefined, name: string, variables: (phase: number) => Record<string, unknown> = () => ({})) =>
      async (phase: number) =>
        postGraphQL(
          stack.mobileUrl,
          { operationName: name, query: mobileDocuments.get(name)!.document, variables: variables(phase) },
          { token },
        );

    const webCases: Record<string, Case['send']> = {
      Viewer: webSend(webAda, 'Viewer'),
      OrderDetail: webSend(webAda, 'OrderDetail', () => ({ id: adaOrder.id })),
      CatalogPage: webSend(webAnonymous, 'CatalogPage', () => ({ first: 6 })),
      ProductPage: webSend(webAnonymous, 'ProductPage', () => ({ slug: someProduct.slug })),
      SignUp: webSend(new WebClient(stack.webUrl), 'SignUp', () => ({
        input: { email: `matrix-${randomUUID()}@example.com`, password: 'matrix-password-1', name: 'Matrix' },
      })),
      LogIn: webSend(new WebClient(stack.webUrl), 'LogIn', () => ({ email: ada.email, password: ada.password })),
      LogOut: async (phase) => webSend(spent[phase]!.signedIn, 'LogOut')(phase),
      PlaceOrder: webSend(webGrace, 'PlaceOrder', () => ({
        input: { items: [{ productId: inStock.id, quantity: 1 }] },
        idempotencyKey: randomUUID(),
      })),
      CancelOrder: webSend(webGrace, 'CancelOrder', (phase) => ({ id: spent[phase]!.order })),
      UpdateProduct: webSend(webAdmin, 'UpdateProduct', () => ({ id: someProduct.id, input: { name: someProduct.name } })),
    };
    const mobileCases: Record<string, Case['send']> = {
      Products: mobileSend(undefined, 'Products', () => ({ first: 6 })),
      ProductDetail: mobileSend(undefined, 'ProductDetail', () => ({ id: someProduct.id })),
      Home: mobileSend(mobileAda.accessToken, 'Home'),
      MyOrders: mobileSend(mobileAda.accessToken, 'MyOrders'),
      LogIn: mobileSend(undefined, 'LogIn', () => ({ email: ada.email, password: ada.password })),
      RefreshSession: mobileSend(undefined, 'RefreshSession', (phase) => ({ refreshToken: spent[phase]!.refreshToken })),
      PlaceOrder: mobileSend(mobileGrace.accessToken, 'PlaceOrder', () => ({
        items: [{ productId: inStock.id, quantity: 1 }],
        idempotencyKey: randomUUID(),
      })),
    };
    for (const [client, table] of [
      ['web', webCases],
      ['mobile', mobileCases],
    ] as const) {
      for (const operation of loadClientOperations(client).values()) {
        if (operation.type === 'subscription') continue; // the live updates have their own tests
        const send = table[operation.name];
        if (!send) throw new Error(`the matrix has no case for the ${client} operation ${operation.name}`);
        cases.push({ client, name: operation.name, type: operation.type, send });
      }
    }

    // The healthy answers, to compare every answer below with.
    for (const item of cases.filter((candidate) => candidate.type === 'query')) {
      await until(
        async () => {
          const answer = await item.send(0);
          healthy.set(key(item), answer.body.data);
          return answer.body.errors === undefined;
        },
        `a healthy answer to ${key(item)}`,
      );
    }
  });

  afterAll(async () => {
    await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
    await stack?.stop();
  });

  // The checks below go on past a wrong answer, so a phase reports every one, not only the first.
  const soft = softAssertions();
  afterEach(() => soft.check());

  /** What every answer must be, healthy or not; returns whether it carried errors. */
  function expectHonest(item: Case, answer: Answer): boolean {
    const label = key(item);
    const errors = answer.body.errors ?? [];
    for (const error of errors) {
      soft.expect(error.extensions?.code, `${label}: ${JSON.stringify(error)}`).not.toBe('INTERNAL_SERVER_ERROR');
      soft.expect(UPSTREAM_CODES.has(error.extensions?.code), `${label}: ${JSON.stringify(error)}`).toBe(true);
      soft.expect(error.path?.length, `${label}: an error without a path: ${JSON.stringify(error)}`).toBeGreaterThan(0);
    }
    soft.expect(answer.text, label).not.toMatch(internals);
    if (errors.length > 0) {
      soft.expect(answer.headers.get('cache-control'), label).toBe('no-store');
      soft.expect(answer.headers.get('x-cache'), label).not.toBe('HIT');
    }
    const errorPaths = errors.map((error) => error.path?.join('.') ?? '(no path)');
    if (item.type === 'query') {
      // The healthy parts are there and right; whatever is missing has an error saying why.
      soft.expect(unexplainedGaps(answer.body.data, healthy.get(label), errorPaths), label).toEqual([]);
    } else if (errors.length === 0) {
      // A mutation without errors did what it was asked: its payload has no gap and no failure.
      const [payload] = Object.values(answer.body.data ?? {});
      if (typeof payload === 'object' && payload !== null) {
        for (const [field, value] of Object.entries(payload)) {
          if (field === 'userErrors') soft.expect(value, label).toEqual([]);
          else if (field === 'error') soft.expect(value, label).toBeNull();
          else soft.expect(value, `${label}: ${field}`).not.toBeNull();
        }
      } else {
        soft.expect(payload, label).toBe(true);
      }
    }
    return errors.length > 0;
  }

  async function takeDown(subgraph: Subgraph, outage: Outage): Promise<void> {
    if (outage === 'killed') await proxies[subgraph].kill();
    else proxies[subgraph].stall();
  }

  async function bringBack(subgraph: Subgraph, outage: Outage): Promise<void> {
    if (outage === 'killed') await proxies[subgraph].revive();
    else proxies[subgraph].resume();
    // The gateway's breaker probes again after its reset time; wait for it to close.
    await until(() => answersThroughGateway(subgraph), `${subgraph} to answer through the gateway again`);
  }

  it('answers a valid token whose account is gone with UNAUTHENTICATED, never with an empty list', async () => {
    const token = await accessTokenFor({ id: stableId('user:gone'), role: 'CUSTOMER' }, JWT_SECRET);
    const documents = loadClientOperations('mobile');
    for (const name of ['MyOrders', 'Home']) {
      const answer = await postGraphQL(stack.mobileUrl, { operationName: name, query: documents.get(name)!.document }, { token });
      expectLabelled(answer.body.data, name).toBeNull();
      expectLabelled(
        answer.body.errors?.map((error) => [error.path?.join('.'), error.extensions?.code]),
        name,
      ).toEqual([[name === 'Home' ? 'home.recentOrders' : 'myOrders', 'UNAUTHENTICATED']]);
    }
  });

  const phases = SUBGRAPHS.flatMap((subgraph) => OUTAGES.map((outage) => ({ subgraph, outage })));
  it.each(phases.map((phase, index) => ({ ...phase, index })))('$subgraph $outage', async ({ subgraph, outage, index }) => {
    // An empty cache, so every operation below reaches the subgraphs.
    await clearResponseCache();
    await takeDown(subgraph, outage);
    const failed = new Set<string>();
    try {
      for (const item of cases) {
        if (expectHonest(item, await item.send(index))) failed.add(key(item));
      }
    } finally {
      await bringBack(subgraph, outage);
    }
    // Every outage shows somewhere.
    expect(failed.size).toBeGreaterThan(0);
    // Nothing that failed was kept: the next answer is fresh, complete and right.
    for (const item of cases.filter((candidate) => candidate.type === 'query')) {
      const answer = await item.send(index);
      soft.expect(answer.body.errors, key(item)).toBeUndefined();
      soft.expect(answer.body.data, key(item)).toEqual(healthy.get(key(item)));
      if (failed.has(key(item))) soft.expect(answer.headers.get('x-cache'), key(item)).toBe('MISS');
    }
  });
});
