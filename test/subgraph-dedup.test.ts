// Identical subgraph fetches in flight at once share one request (SUBGRAPH_DEDUPLICATE_INFLIGHT):
// counted where they arrive, in front of the real subgraphs, while a proxy holds them until
// every client request has either reached the subgraph or joined one that did.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '@storefront/config';
import { createGatewayServer } from '@storefront/gateway/server';
import { loadGatewayConfig } from '@storefront/gateway/config';
import { orders as seedOrders } from '@storefront/orders/seed-data';
import { ada, grace } from '@storefront/users/seed-data';
import { errorCodes, graphql, testSubgraphSecret, type GraphQLResponse } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { logIn } from './support/session.js';
import { startStack, type Stack } from './support/stack.js';

const N = 8;
const ME = '{ me { id name email } }';
const adaOrder = seedOrders.find((order) => order.buyerId === ada.id)!;
const ORDER_WITH_PRODUCTS = 'query ($id: ID!) { order(id: $id) { status items { quantity product { name } } } }';
const LOG_IN =
  'mutation ($email: String!, $password: String!) { logIn(email: $email, password: $password) { session { refreshToken } userErrors { code } } }';

interface CountingProxy {
  url: string;
  /** The requests that reached the subgraph so far, oldest first. */
  received: Array<{ body: string; authorization: string | undefined }>;
  /** From now on, hold requests (counted) until `release`. */
  hold(): void;
  /** Lets the held requests through, or answers them 500 without contacting the subgraph. */
  release(answer?: 'forward' | 'fail'): void;
  close(): Promise<void>;
}

/** An HTTP proxy in front of a real subgraph: counts what reaches it, and can hold it. */
async function startCountingProxy(targetUrl: string): Promise<CountingProxy> {
  const received: CountingProxy['received'] = [];
  let gate: { opened: Promise<'forward' | 'fail'>; open(answer: 'forward' | 'fail'): void } | undefined;
  const forward = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    received.push({ body, authorization: request.headers.authorization });
    if ((await gate?.opened) === 'fail') {
      response.writeHead(500, { 'content-type': 'text/plain' }).end('broken');
      return;
    }
    const headers = Object.entries(request.headers).filter(
      (entry): entry is [string, string] =>
        typeof entry[1] === 'string' && !['host', 'connection', 'content-length'].includes(entry[0]),
    );
    const upstream = await fetch(targetUrl, { method: request.method, headers, body });
    response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    response.end(await upstream.text());
  };
  // A failed forward ends that response (the test sees a broken fetch) rather than the test process.
  const server = http.createServer((request, response) => {
    forward(request, response).catch((error: unknown) => response.destroy(error as Error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    received,
    hold: () => {
      let open!: (answer: 'forward' | 'fail') => void;
      const opened = new Promise<'forward' | 'fail'>((resolve) => (open = resolve));
      gate = { opened, open };
    },
    release: (answer = 'forward') => {
      gate?.open(answer);
      gate = undefined;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `gateway_subgraph_deduplicated_requests_total` of `subgraph` on the gateway at `gatewayUrl`. */
async function deduplicated(gatewayUrl: string, subgraph: string): Promise<number> {
  const text = await (await fetch(gatewayUrl.replace(/\/graphql$/, '/metrics'))).text();
  const series = new RegExp(
    `^gateway_subgraph_deduplicated_requests_total\\{[^}]*subgraph="${subgraph}"[^}]*\\} (\\d+)`,
    'm',
  ).exec(text);
  return Number(series?.[1] ?? 0);
}

/**
 * Sends `requests` at once while `proxy` holds what reaches the subgraph, and lets it through
 * once each request has been sent on or joined one in flight (nothing left to arrive late).
 */
async function concurrently(
  proxy: CountingProxy,
  gatewayUrl: string,
  subgraph: string,
  requests: Array<() => Promise<GraphQLResponse>>,
  answer: 'forward' | 'fail' = 'forward',
) {
  const before = { received: proxy.received.length, joined: await deduplicated(gatewayUrl, subgraph) };
  proxy.hold();
  try {
    const responses = Promise.all(requests.map((send) => send()));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const accounted = proxy.received.length - before.received + (await deduplicated(gatewayUrl, subgraph)) - before.joined;
      if (accounted >= requests.length) break;
      if (Date.now() > deadline)
        throw new Error(`only ${accounted} of ${requests.length} requests reached ${subgraph} or joined one`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    proxy.release(answer);
    const results = await responses;
    return {
      responses: results,
      sent: proxy.received.slice(before.received),
      joined: (await deduplicated(gatewayUrl, subgraph)) - before.joined,
    };
  } finally {
    proxy.release();
  }
}

describe('SUBGRAPH_DEDUPLICATE_INFLIGHT', () => {
  it('is on by default, off with false, and stops config loading on anything else', () => {
    expect(loadGatewayConfig({}).SUBGRAPH_DEDUPLICATE_INFLIGHT).toBe(true);
    expect(loadGatewayConfig({ SUBGRAPH_DEDUPLICATE_INFLIGHT: 'true' }).SUBGRAPH_DEDUPLICATE_INFLIGHT).toBe(true);
    expect(loadGatewayConfig({ SUBGRAPH_DEDUPLICATE_INFLIGHT: 'false' }).SUBGRAPH_DEDUPLICATE_INFLIGHT).toBe(false);
    for (const bad of ['yes', '1', 'TRUE', 'off']) {
      expect(() => loadGatewayConfig({ SUBGRAPH_DEDUPLICATE_INFLIGHT: bad })).toThrow(ConfigError);
      expect(() => loadGatewayConfig({ SUBGRAPH_DEDUPLICATE_INFLIGHT: bad })).toThrow(
        /SUBGRAPH_DEDUPLICATE_INFLIGHT: must be true or false/,
      );
    }
  });
});

describe('identical subgraph fetches in flight', () => {
  let stack: Stack;
  const proxies: Partial<Record<'users' | 'catalog', CountingProxy>> = {};
  let users: CountingProxy;
  let catalog: CountingProxy;
  let adaToken: string;
  let graceToken: string;

  beforeAll(async () => {
    stack = await startStack({
      // Failures on purpose below must not open a breaker for the tests after them.
      gatewayEnv: { SUBGRAPH_BREAKER_VOLUME: '1000000' },
      gatewayUrlFor: async (name, url) => {
        if (name === 'orders') return url;
        const proxy = await startCountingProxy(url);
        proxies[name] = proxy;
        return proxy.url;
      },
    });
    users = proxies.users!;
    catalog = proxies.catalog!;
    [adaToken, graceToken] = await Promise.all([
      logIn(stack.gatewayUrl, ada.email, ada.password),
      logIn(stack.gatewayUrl, grace.email, grace.password),
    ]);
  });
  afterAll(async () => {
    await stack?.stop();
    await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
  });

  const me =
    (token: string, gatewayUrl = stack.gatewayUrl) =>
    () =>
      graphql(gatewayUrl, ME, {}, { token });

  it('sends one request for identical queries of one user, and each caller gets the whole answer', async () => {
    const { responses, sent, joined } = await concurrently(
      users,
      stack.gatewayUrl,
      'users',
      Array.from({ length: N }, () => me(adaToken)),
    );
    expect(sent).toHaveLength(1);
    expect(joined).toBe(N - 1);
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ data: { me: { id: ada.id, name: ada.name, email: ada.email } } });
    }

    // Nothing is kept once the answer is in: the next identical query is sent again.
    const before = users.received.length;
    expect((await me(adaToken)()).body.data?.me.id).toBe(ada.id);
    expect(users.received.length).toBe(before + 1);
  });

  it('shares entity fetches too, each caller merging the answer into its own result', async () => {
    const send = () => graphql(stack.gatewayUrl, ORDER_WITH_PRODUCTS, { id: adaOrder.id }, { token: adaToken });
    const { responses, sent, joined } = await concurrently(
      catalog,
      stack.gatewayUrl,
      'catalog',
      Array.from({ length: N }, () => send),
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toContain('_entities');
    expect(joined).toBe(N - 1);
    const first = responses[0]!.body;
    expect(first.errors).toBeUndefined();
    expect(first.data!.order.items.map((item: any) => item.quantity)).toEqual(adaOrder.lines.map((line) => line.quantity));
    expect(first.data!.order.items.every((item: any) => typeof item.product.name === 'string')).toBe(true);
    for (const response of responses) expect(response.body).toEqual(first);
  });

  it('never merges the same query of two users', async () => {
    const requests = Array.from({ length: N }, (_, index) => me(index % 2 === 0 ? adaToken : graceToken));
    const { responses, sent, joined } = await concurrently(users, stack.gatewayUrl, 'users', requests);
    expect(sent).toHaveLength(2);
    expect(new Set(sent.map((request) => request.authorization))).toEqual(
      new Set([`Bearer ${adaToken}`, `Bearer ${graceToken}`]),
    );
    expect(joined).toBe(N - 2);
    responses.forEach((response, index) => {
      const user = index % 2 === 0 ? ada : grace;
      expect(response.body).toEqual({ data: { me: { id: user.id, name: user.name, email: user.email } } });
    });
  });

  it('never merges mutations: two identical ones both run', async () => {
    const send = () => graphql(stack.gatewayUrl, LOG_IN, { email: ada.email, password: ada.password });
    const { responses, sent, joined } = await concurrently(users, stack.gatewayUrl, 'users', [send, send]);
    expect(sent).toHaveLength(2);
    expect(joined).toBe(0);
    const refreshTokens = responses.map((response) => {
      expect(response.body.errors).toBeUndefined();
      return response.body.data!.logIn.session.refreshToken as string;
    });
    expect(new Set(refreshTokens).size).toBe(2);
  });

  it('fails every caller when the shared request fails, and sends the next query afresh', async () => {
    const { responses, sent, joined } = await concurrently(
      users,
      stack.gatewayUrl,
      'users',
      Array.from({ length: N }, () => me(adaToken)),
      'fail',
    );
    expect(sent).toHaveLength(1);
    expect(joined).toBe(N - 1);
    for (const response of responses) {
      expect(response.body.data).toEqual({ me: null });
      expect(errorCodes(response)).toEqual(['SUBGRAPH_UNAVAILABLE']);
    }

    const before = users.received.length;
    expect((await me(adaToken)()).body).toEqual({ data: { me: { id: ada.id, name: ada.name, email: ada.email } } });
    expect(users.received.length).toBe(before + 1);
  });

  it('sends every request when SUBGRAPH_DEDUPLICATE_INFLIGHT is false', async () => {
    const gateway = createGatewayServer({
      config: loadGatewayConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        SUBGRAPH_SECRET: testSubgraphSecret,
        USERS_URL: users.url,
        CATALOG_URL: catalog.url,
        ORDERS_URL: stack.subgraphs.orders.running.url,
        SUBGRAPH_DEDUPLICATE_INFLIGHT: 'false',
      }),
    });
    const { url } = await gateway.listen(0, '127.0.0.1');
    try {
      const { responses, sent, joined } = await concurrently(
        users,
        url,
        'users',
        Array.from({ length: N }, () => me(adaToken, url)),
      );
      expect(sent).toHaveLength(N);
      expect(joined).toBe(0);
      for (const response of responses)
        expect(response.body).toEqual({ data: { me: { id: ada.id, name: ada.name, email: ada.email } } });
    } finally {
      await gateway.stop();
    }
  });
});
