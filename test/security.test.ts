import { signAccessToken } from '@storefront/auth';
import { RedisCacheStore } from '@storefront/bff';
import { loadMobileConfig } from '@storefront/bff-mobile/config';
import { createMobileServer } from '@storefront/bff-mobile/server';
import { loadWebConfig } from '@storefront/bff-web/config';
import { createWebServer } from '@storefront/bff-web/server';
import { loadGatewayConfig } from '@storefront/gateway/config';
import { createGatewayServer } from '@storefront/gateway/server';
import { products } from '@storefront/catalog/seed-data';
import { orders as seedOrders } from '@storefront/orders/seed-data';
import { ada, grace } from '@storefront/users/seed-data';
import { expectLabelled, testRedis, testRedisUrl } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mobileOperation, persistedQuery } from './support/mobile.js';
import { logIn } from './support/session.js';
import { startStack, type Stack } from './support/stack.js';
import { signedIn } from './support/web.js';
import { loadClientOperations } from '../scripts/lib/client-operations.js';

/**
 * A security scan: the classic GraphQL attacks (graphql-cop's checks: alias, directive and
 * field-duplication overloading, deep and circular queries, batching, introspection, field
 * suggestions, GET mutations and GET-based CSRF, trace mode, debug errors; and more) against
 * the gateway and both BFFs in production mode
 * (NODE_ENV=production, default limits, production-strength secrets shared with the stack
 * behind them), each of which must be refused. Every response of this file is also checked
 * for internals: no stack trace, no `exception` extension, no "Did you mean".
 */

const JWT_SECRET = 'a-production-jwt-secret-for-the-security-suite-0123456789';
const SUBGRAPH_SECRET = 'a-production-subgraph-secret-for-the-security-suite-0123456789';
const OTHER_SECRET = 'not-the-production-secret-but-just-as-long-0123456789';

const roomyRateLimits = {
  RATE_LIMIT_PER_USER: '100000',
  RATE_LIMIT_PER_IP: '100000',
  LOGIN_ATTEMPTS_PER_ACCOUNT: '10000',
  LOGIN_ATTEMPTS_PER_IP: '10000',
};

const adaOrder = seedOrders.find((order) => order.buyerId === ada.id)!;
const graceOrders = seedOrders.filter((order) => order.buyerId === grace.id);
/** What must never reach grace (or an anonymous caller) about ada and her order. */
const adaSecrets = [
  ada.name,
  ada.email,
  ...adaOrder.lines.map((line) => products.find((product) => product.id === line.productId)!.name),
];
const expectNothingOfAda = (text: string, label?: string) => {
  for (const secret of adaSecrets) expectLabelled(text, label).not.toContain(secret);
};
const webOperations = loadClientOperations('web');

interface Attempt {
  status: number;
  text: string;
  headers: Headers;
  body:
    { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } | undefined;
}

let responsesChecked = 0;

/** Any response of this suite: no stack trace, no exception extension, no schema suggestion. */
function expectNoInternals(attempt: Attempt) {
  expect(attempt.text).not.toMatch(/stacktrace|"exception"/i);
  expect(attempt.text).not.toMatch(/\bat [\w$.<>]+ \(|node:internal|\.[cm]?[jt]s:\d+:\d+/);
  expect(attempt.text).not.toContain('Did you mean');
  for (const error of attempt.body?.errors ?? []) {
    expectLabelled(Object.keys(error.extensions ?? {}).sort(), attempt.text).toEqual(['code']);
  }
  responsesChecked += 1;
}

async function request(url: string, init: RequestInit = {}): Promise<Attempt> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: Attempt['body'];
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const attempt = { status: response.status, text, headers: response.headers, body };
  expectNoInternals(attempt);
  return attempt;
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Attempt> {
  return request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function get(url: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Attempt> {
  return request(`${url}?${new URLSearchParams(params)}`, { headers: { 'apollo-require-preflight': 'true', ...headers } });
}

const codes = (attempt: Attempt) => (attempt.body?.errors ?? []).map((error) => error.extensions?.code);

/** Refused: the status, no data at all, and exactly these codes (or at least these, with `some`). */
function expectRefused(attempt: Attempt, status: number, expected: string[], match: 'exactly' | 'including' = 'exactly') {
  expectLabelled(attempt.status, attempt.text).toBe(status);
  expectLabelled(attempt.body?.data ?? null, attempt.text).toBeNull();
  expectLabelled(codes(attempt).length, attempt.text).toBeGreaterThan(0);
  if (match === 'exactly') expectLabelled([...new Set(codes(attempt))], attempt.text).toEqual(expected);
  else expectLabelled(codes(attempt), attempt.text).toEqual(expect.arrayContaining(expected));
}

const repeat = (n: number, text: (index: number) => string) => Array.from({ length: n }, (_, index) => text(index)).join(' ');

/** A JWT with another header or payload but the original signature, or none. */
function tampered(
  token: string,
  change: { header?: object; payload?: (claims: Record<string, unknown>) => object; signature?: string },
) {
  const [header, payload, signature] = token.split('.');
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return [
    change.header ? encode(change.header) : header,
    change.payload ? encode(change.payload(decode(payload!))) : payload,
    change.signature ?? signature,
  ].join('.');
}

interface Tier {
  name: 'gateway' | 'bff-web' | 'bff-mobile';
  url: string;
  limits: {
    MAX_ALIASES: number;
    MAX_DIRECTIVES: number;
    MAX_TOKENS: number;
    MAX_DOCUMENT_BYTES: number;
    MAX_BODY_BYTES: number;
    MAX_PAGE_SIZE: number;
  };
  /** A root list field with `first`, and its type. */
  list: string;
  listType: string;
  /** Deep and circular documents, each deeper than the tier allows. */
  deep: string[];
  /** Valid depth, huge cost through nested list sizes. */
  costly: string;
  /** Misspelled fields, arguments and types. */
  misspelled: string[];
  /** A mutation the tier has, to send over GET. */
  mutation: string;
}

describe('the classic GraphQL attacks, in production mode', () => {
  let stack: Stack;
  const servers: Array<{ stop(): Promise<void> }> = [];
  const tiers = {} as Record<Tier['name'], Tier>;
  let tokens: { ada: string; grace: string };

  beforeAll(async () => {
    // The stack (subgraphs) shares the production secrets, as one deployment does.
    stack = await startStack({ env: { JWT_SECRET, SUBGRAPH_SECRET } });
    const production = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      JWT_SECRET,
      SUBGRAPH_SECRET,
      ...roomyRateLimits,
      RATE_LIMIT_KEY_PREFIX: `${stack.redisPrefix}rl:`,
      TRUST_PROXY: 'loopback',
    };
    const gatewayConfig = loadGatewayConfig({
      ...production,
      USERS_URL: stack.subgraphs.users.running.url,
      CATALOG_URL: stack.subgraphs.catalog.running.url,
      ORDERS_URL: stack.subgraphs.orders.running.url,
    });
    const gateway = createGatewayServer({ config: gatewayConfig });
    servers.push(gateway);
    const gatewayUrl = (await gateway.listen(0, '127.0.0.1')).url;

    const webConfig = loadWebConfig({
      ...production,
      GATEWAY_URL: gatewayUrl,
      REDIS_URL: testRedisUrl,
      WEB_ORIGINS: 'https://shop.example',
    });
    const web = createWebServer({ config: webConfig, store: new RedisCacheStore(testRedis, stack.redisPrefix) });
    servers.push(web);
    const webUrl = (await web.listen(0, '127.0.0.1')).url;

    const mobileConfig = loadMobileConfig({ ...production, GATEWAY_URL: gatewayUrl, REDIS_URL: testRedisUrl });
    const mobile = createMobileServer({ config: mobileConfig, store: new RedisCacheStore(testRedis, stack.redisPrefix) });
    servers.push(mobile);
    const mobileUrl = (await mobile.listen(0, '127.0.0.1')).url;

    tiers.gateway = {
      name: 'gateway',
      url: gatewayUrl,
      limits: gatewayConfig,
      list: 'products',
      listType: 'ProductConnection',
      deep: [
        // product → related → related → …
        `{ products(first: 1) { nodes { ${'related(first: 1) { '.repeat(30)}id${' }'.repeat(30)} } } }`,
        // user → orders → buyer → orders → …
        `{ me { ${'orders(first: 1) { nodes { buyer { '.repeat(8)}id${' } } }'.repeat(8)} } }`,
        // order → items → product → category → products → …
        `{ order(id: "${adaOrder.id}") { items { product { ${'category { products(first: 1) { nodes { '.repeat(5)}id${' } } }'.repeat(5)} } } } }`,
      ],
      costly: '{ products(first: 100) { nodes { related(first: 100) { related(first: 100) { id name } } } } }',
      misspelled: [
        '{ prodcts(first: 1) { nodes { id } } }',
        '{ products(frist: 1) { nodes { id } } }',
        '{ products(first: 1) { nodes { nmae } } }',
        '{ products(first: 1) { ... on ProductConection { totalCount } } }',
        '{ orders(status: PENDIN) { totalCount } }',
      ],
      mutation: 'mutation { logOut(refreshToken: "x") }',
    };
    tiers['bff-web'] = {
      name: 'bff-web',
      url: webUrl,
      limits: webConfig,
      list: 'catalog',
      listType: 'ProductConnection',
      deep: [
        `{ product(slug: "x") { ${'related { '.repeat(12)}id${' }'.repeat(12)} } }`,
        // order → items → product → related → …
        `{ order(id: "${adaOrder.id}") { items { product { ${'related { '.repeat(8)}id${' }'.repeat(8)} } } } }`,
        `{ viewer { orders { edges { node { items { product { ${'related { '.repeat(6)}id${' }'.repeat(6)} } } } } } } }`,
      ],
      costly: '{ catalog(first: 100) { edges { node { related(first: 100) { related(first: 100) { id name } } } } } }',
      misspelled: [
        '{ catalg { totalCount } }',
        '{ catalog(frist: 1) { totalCount } }',
        '{ catalog(first: 1) { totlCount } }',
        '{ catalog(first: 1) { ... on ProductConection { totalCount } } }',
        '{ product(slg: "x") { id } }',
      ],
      mutation: 'mutation LogOut { logOut }',
    };
    tiers['bff-mobile'] = {
      name: 'bff-mobile',
      url: mobileUrl,
      limits: mobileConfig,
      list: 'products',
      listType: 'ProductList',
      deep: [
        // The mobile graph has no cycles; deep documents are refused for depth before anything else.
        `{ home { featured { ${'id { '.repeat(10)}id${' }'.repeat(10)} } } }`,
        `{ myOrders { nodes { ${'id { '.repeat(10)}id${' }'.repeat(10)} } } }`,
      ],
      costly: `{ ${repeat(5, (index) => `p${index}: products(first: 50) { nodes { id name priceLabel thumbnailUrl inStock } }`)} }`,
      misspelled: [
        '{ prodcts(first: 1) { nodes { id } } }',
        '{ products(frist: 1) { nodes { id } } }',
        '{ products(first: 1) { nodes { nmae } } }',
        '{ products(first: 1) { ... on ProductLis { pageInfo { hasNextPage } } } }',
        '{ hme { featured { id } } }',
      ],
      mutation: mobileOperation('LogIn').document,
    };

    tokens = {
      ada: await logIn(gatewayUrl, ada.email, ada.password),
      grace: await logIn(gatewayUrl, grace.email, grace.password),
    };
  });

  afterAll(async () => {
    for (const server of servers.reverse()) await server.stop();
    await stack?.stop();
  });

  describe.each(['gateway', 'bff-web', 'bff-mobile'] as const)('%s', (name) => {
    const tier = () => tiers[name];

    it('alias overloading, __typename included, is refused with TOO_MANY_ALIASES', async () => {
      const { url, list, limits } = tier();
      const flood = limits.MAX_ALIASES * 10;
      expectRefused(
        await post(url, { query: `{ ${list}(first: 1) { ${repeat(flood, (index) => `a${index}: __typename`)} } }` }),
        400,
        ['TOO_MANY_ALIASES'],
      );
      // The same field over and over under aliases, at the root.
      const root = `{ ${repeat(limits.MAX_ALIASES + 1, (index) => `a${index}: ${list}(first: 1) { __typename }`)} }`;
      expectRefused(await post(url, { query: root }), 400, ['TOO_MANY_ALIASES'], 'including');
      // A flood too large to parse never is.
      const huge = `{ ${list}(first: 1) { ${repeat(20_000, (index) => `a${index}: __typename`)} } }`;
      const refused = await post(url, { query: huge });
      expect([400, 413]).toContain(refused.status);
      expect(codes(refused)).toEqual([refused.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'DOCUMENT_TOO_LARGE']);
    });

    it('directive overloading is refused once: TOO_MANY_DIRECTIVES, DIRECTIVE_REPEATED', async () => {
      const { url, list, limits } = tier();
      const flood = limits.MAX_DIRECTIVES * 10;
      const many = await post(url, {
        query: `{ ${list}(first: 1) { ${repeat(flood, () => '__typename @include(if: true)')} } }`,
      });
      expectRefused(many, 400, ['TOO_MANY_DIRECTIVES']);
      expect(many.body?.errors).toHaveLength(1);
      // One field, the same (unknown) directive over and over, as graphql-cop sends it: one error, not one per repeat.
      for (const times of [10, flood]) {
        const repeated = await post(url, { query: `query cop { __typename ${'@aa'.repeat(times)} }` });
        expectRefused(repeated, 400, ['DIRECTIVE_REPEATED']);
        expect(repeated.body?.errors).toHaveLength(1);
      }
    });

    it('deep and circular queries are refused with QUERY_TOO_DEEP', async () => {
      const { url, deep } = tier();
      for (const query of deep) {
        const attempt = await post(url, { query }, { authorization: `Bearer ${tokens.ada}` });
        // On the mobile graph those documents are also invalid; depth is refused all the same.
        expectRefused(attempt, 400, ['QUERY_TOO_DEEP'], name === 'bff-mobile' ? 'including' : 'exactly');
      }
    });

    it('circular fragments are refused', async () => {
      const { url, list, listType } = tier();
      const query = `{ ${list}(first: 1) { ...A } } fragment A on ${listType} { __typename ...B } fragment B on ${listType} { __typename ...A }`;
      expectRefused(await post(url, { query }), 400, ['GRAPHQL_VALIDATION_FAILED']);
    });

    it('expensive lists (nested first: 100) are refused with QUERY_TOO_COSTLY', async () => {
      const { url, costly } = tier();
      expectRefused(await post(url, { query: costly }), 400, ['QUERY_TOO_COSTLY']);
    });

    it('page sizes above the maximum are refused with BAD_USER_INPUT', async () => {
      const { url, list, limits } = tier();
      expectRefused(await post(url, { query: `{ ${list}(first: ${limits.MAX_PAGE_SIZE + 1}) { __typename } }` }), 400, [
        'BAD_USER_INPUT',
      ]);
      expectRefused(await post(url, { query: `{ ${list}(first: 1000000) { __typename } }` }), 400, ['BAD_USER_INPUT']);
    });

    it('batching (a JSON array body) is refused', async () => {
      const { url } = tier();
      const batch = Array.from({ length: 50 }, () => ({ query: '{ __typename }' }));
      expectRefused(await post(url, batch), 400, ['BAD_REQUEST']);
    });

    it('introspection (__schema, __type) is refused', async () => {
      const { url } = tier();
      for (const query of [
        '{ __schema { types { name fields { name } } } }',
        '{ __type(name: "Query") { name fields { name } } }',
        'query { ... on Query { __schema { queryType { name } } } }',
        'query IntrospectionQuery { __schema { queryType { name } mutationType { name } } }',
      ]) {
        const attempt = await post(url, { query });
        expectRefused(attempt, 400, ['GRAPHQL_VALIDATION_FAILED']);
        expect(attempt.text).toMatch(/introspection/i);
      }
    });

    it('misspelled fields, arguments and types get no suggestion', async () => {
      const { url, misspelled } = tier();
      for (const query of misspelled) {
        const attempt = await post(url, { query });
        expectRefused(attempt, 400, ['GRAPHQL_VALIDATION_FAILED']);
        // expectNoInternals already made sure no "Did you mean" is in there; the error still says what is wrong.
        expect(attempt.body!.errors![0]!.message).toMatch(/Cannot query field|Unknown (argument|type)|does not exist|Expected/);
      }
    });

    it('misspelled input fields and enum values in variables get no suggestion', async () => {
      const { url } = tier();
      const attempts =
        name === 'gateway'
          ? [
              await post(url, {
                query: 'query ($s: OrderStatus) { orders(status: $s) { totalCount } }',
                variables: { s: 'PENDIN' },
              }),
              await post(url, {
                query: 'mutation ($input: SignUpInput!) { signUp(input: $input) { userErrors { code } } }',
                variables: { input: { name: 'Mallory', emial: 'mallory@example.com', password: 'mallory-password-1' } },
              }),
            ]
          : name === 'bff-web'
            ? [
                await post(url, {
                  operationName: 'SignUp',
                  query: webOperations.get('SignUp')!.document,
                  variables: { input: { name: 'Mallory', emial: 'mallory@example.com', password: 'mallory-password-1' } },
                }),
              ]
            : [
                // The app's own PlaceOrder, exactly as the safelist has it, with a misspelled field.
                await post(
                  url,
                  {
                    operationName: 'PlaceOrder',
                    query: mobileOperation('PlaceOrder').document,
                    variables: { items: [{ productid: 'x', quantity: 1 }], idempotencyKey: 'k-1' },
                  },
                  { authorization: `Bearer ${tokens.grace}` },
                ),
              ];
      for (const attempt of attempts) {
        expectRefused(attempt, 400, ['BAD_USER_INPUT']);
        expect(attempt.text).toMatch(/is not defined by type|does not exist/);
      }
    });

    it('text Postgres cannot store (NUL, lone surrogates) is BAD_USER_INPUT with 400, before anything runs', async () => {
      const { url } = tier();
      const requests =
        name === 'gateway'
          ? [
              (text: string) => ({
                query: 'query ($value: String) { products(filter: { search: $value }, first: 1) { totalCount } }',
                variables: { value: text },
              }),
              (text: string) => ({
                query: 'query ($value: String) { product(slug: $value) { id } }',
                variables: { value: text },
              }),
              (text: string) => ({
                query: 'query ($value: String) { category(slug: $value) { id } }',
                variables: { value: text },
              }),
            ]
          : name === 'bff-web'
            ? [
                (text: string) => ({
                  operationName: 'CatalogPage',
                  query: webOperations.get('CatalogPage')!.document,
                  variables: { search: text },
                }),
                (text: string) => ({
                  operationName: 'CatalogPage',
                  query: webOperations.get('CatalogPage')!.document,
                  variables: { category: text },
                }),
                (text: string) => ({
                  operationName: 'ProductPage',
                  query: webOperations.get('ProductPage')!.document,
                  variables: { slug: text },
                }),
              ]
            : [
                (text: string) => ({
                  operationName: 'Products',
                  query: mobileOperation('Products').document,
                  variables: { search: text },
                }),
              ];
      for (const request of requests) {
        for (const text of ['kett\u0000le', '\ud800', 'a\udc00b']) {
          const attempt = await post(url, request(text));
          expectRefused(attempt, 400, ['BAD_USER_INPUT']);
        }
      }
      // In a literal too (a lone surrogate cannot be written in one: the parser refuses its escape).
      if (name === 'gateway') {
        expectRefused(
          await post(url, { query: '{ products(filter: { categorySlug: "toys\\u0000" }, first: 1) { totalCount } }' }),
          400,
          ['BAD_USER_INPUT'],
        );
      }
    });

    it('mutations over GET are refused (405), even with a CSRF-safe header', async () => {
      const { url, mutation } = tier();
      const attempt = await get(url, { query: mutation });
      expectRefused(attempt, 405, ['BAD_REQUEST']);
      expect(attempt.headers.get('allow')).toBe('POST');
    });

    it('form-encoded, multipart and text/plain POSTs are refused by CSRF prevention', async () => {
      const { url, mutation } = tier();
      const simple = [
        ['application/x-www-form-urlencoded', `query=${encodeURIComponent(mutation)}`],
        ['text/plain', JSON.stringify({ query: mutation })],
        ['text/plain;charset=UTF-8', JSON.stringify({ query: '{ __typename }' })],
        [
          'multipart/form-data; boundary=x',
          `--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n${mutation}\r\n--x--\r\n`,
        ],
      ];
      for (const [contentType, body] of simple) {
        const attempt = await request(url, { method: 'POST', headers: { 'content-type': contentType! }, body: body! });
        expectRefused(attempt, 400, ['BAD_REQUEST']);
        expect(attempt.text).toMatch(/Cross-Site Request Forgery|CSRF/);
      }
      // With a preflighted header (which a cross-site form cannot send) the body still has to be JSON.
      const preflighted = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'apollo-require-preflight': 'true' },
        body: `query=${encodeURIComponent('{ __typename }')}`,
      });
      expect(preflighted.status).toBe(400);
      expect(preflighted.body?.data ?? null).toBeNull();
    });

    it('oversized documents are refused: DOCUMENT_TOO_LARGE, TOO_MANY_TOKENS, 413 for a body', async () => {
      const { url, limits } = tier();
      const padded = `{ __typename }${' '.repeat(limits.MAX_DOCUMENT_BYTES)}`;
      expectRefused(await post(url, { query: padded }), 400, ['DOCUMENT_TOO_LARGE']);
      if (limits.MAX_DOCUMENT_BYTES <= 12_000) {
        expectRefused(await get(url, { query: padded }), 400, ['DOCUMENT_TOO_LARGE']);
      } else {
        // A URL that long is refused by Node's HTTP parser (16 kB of headers) before anything else.
        expect((await get(url, { query: padded })).status).toBe(431);
      }
      expectRefused(await post(url, { query: `{ ${'a '.repeat(limits.MAX_TOKENS)}}` }), 400, ['TOO_MANY_TOKENS']);
      const body = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(limits.MAX_BODY_BYTES) } });
      expectRefused(await post(url, body), 413, ['PAYLOAD_TOO_LARGE']);
    });

    it('field duplication overloading (the same field hundreds of times) is refused', async () => {
      const { url, list } = tier();
      // graphql-cop's probe: one field 500 times at the root.
      const root = await post(url, { query: `query cop { ${'__typename '.repeat(500)}}` });
      expectRefused(root, 400, ['TOO_MANY_ROOT_FIELDS']);
      // Deeper down, where no root-field limit applies: one refusal (by size, tokens, cost, or
      // graphql-js's budget for comparing overlapping fields: "Validation aborted."), never a run.
      const nested = await post(url, { query: `{ ${list}(first: 50) { ${'__typename '.repeat(3000)}} }` });
      expectLabelled(nested.status, nested.text).toBe(400);
      expect(nested.body?.data ?? null).toBeNull();
      expect(nested.body?.errors).toHaveLength(1);
      expect(['DOCUMENT_TOO_LARGE', 'TOO_MANY_TOKENS', 'QUERY_TOO_COSTLY', 'GRAPHQL_VALIDATION_FAILED']).toContain(
        codes(nested)[0],
      );
    });

    it('GET without a preflight header (GET-based CSRF) is refused, query or not', async () => {
      const { url, mutation } = tier();
      for (const query of ['{ __typename }', mutation]) {
        const attempt = await request(`${url}?${new URLSearchParams({ query })}`);
        expectRefused(attempt, 400, ['BAD_REQUEST']);
        expect(attempt.text).toMatch(/Cross-Site Request Forgery|CSRF/);
      }
    });

    it('trace mode is off: no tracing or ftv1 extension, whatever the request asks', async () => {
      const { url } = tier();
      const attempts = [
        await post(
          url,
          { query: '{ __typename }', extensions: { tracing: true } },
          { 'apollo-federation-include-trace': 'ftv1' },
        ),
        await post(
          url,
          { query: '{ __typename }' },
          { 'apollo-federation-include-trace': 'ftv1', 'apollo-query-plan-experimental': '1' },
        ),
      ];
      for (const attempt of attempts) {
        expect(attempt.text).not.toMatch(/ftv1|tracing|queryPlan|"extensions"\s*:\s*\{\s*"(?!code)/);
        expect(Object.keys(attempt.body ?? {})).not.toContain('extensions');
      }
    });

    it('debug errors are off: broken requests get a code and a message, never a stack or internals', async () => {
      const { url, list } = tier();
      const broken = [
        await post(url, '{"query": "{ __typename }"'),
        await post(url, { query: `{ ${list}(first: "ten") { __typename } }` }),
        await post(url, { query: `query ($n: Int) { ${list}(first: $n) { __typename } }`, variables: { n: 'ten' } }),
        await post(url, { query: '{ __typename }', operationName: 'Missing' }),
        await post(url, { query: '{ __typename', variables: '[not an object]' }),
        await post(url, { query: 42 }),
        await post(url, { query: '{ __typename }', extensions: { persistedQuery: { version: 99, sha256Hash: 'x' } } }),
      ];
      for (const [index, attempt] of broken.entries()) {
        // expectNoInternals (every response of this suite) already refused stacks, exception extensions and suggestions.
        expectLabelled(attempt.status, attempt.text).toBeGreaterThanOrEqual(400);
        expectLabelled(attempt.body?.errors?.[0]?.extensions?.code, attempt.text).toEqual(expect.any(String));
        expectLabelled(
          attempt.body?.errors?.[0]?.extensions?.code,
          `${name} ${index}: ${attempt.status} ${attempt.text}`,
        ).not.toBe('INTERNAL_SERVER_ERROR');
      }
    });

    it('has no landing page', async () => {
      const { url } = tier();
      const page = await request(url, { headers: { accept: 'text/html' } });
      expect(page.headers.get('content-type') ?? '').not.toMatch(/html/);
      expect(page.text).not.toMatch(/<html|sandbox|embeddable/i);
    });
  });

  describe('broken, forged and expired tokens', () => {
    const badTokens = async () => {
      const forged = (await signAccessToken({ id: ada.id, role: 'ADMIN' }, { secret: OTHER_SECRET })).accessToken;
      const expired = (await signAccessToken({ id: ada.id, role: 'CUSTOMER' }, { secret: JWT_SECRET, ttlSeconds: -60 }))
        .accessToken;
      return {
        malformed: 'not-a-jwt',
        truncated: tokens.ada.slice(0, -10),
        forged,
        expired,
        'role raised to ADMIN': tampered(tokens.grace, { payload: (claims) => ({ ...claims, role: 'ADMIN' }) }),
        'subject swapped to ada': tampered(tokens.grace, { payload: (claims) => ({ ...claims, sub: ada.id }) }),
        'alg none': tampered(tokens.ada, { header: { alg: 'none', typ: 'JWT' }, signature: '' }),
      };
    };

    it('gateway (bearer): 401 UNAUTHENTICATED, no data', async () => {
      for (const [kind, token] of Object.entries(await badTokens())) {
        const attempt = await post(
          tiers.gateway.url,
          { query: `{ me { id email } order(id: "${adaOrder.id}") { id } }` },
          { authorization: `Bearer ${token}` },
        );
        expectLabelled(attempt.status, kind).toBe(401);
        expectRefused(attempt, 401, ['UNAUTHENTICATED']);
        expectNothingOfAda(attempt.text, kind);
      }
    });

    it('bff-mobile (bearer): 401 UNAUTHENTICATED with a challenge, no data', async () => {
      const { document, hash } = mobileOperation('MyOrders');
      for (const [kind, token] of Object.entries(await badTokens())) {
        const byHash = await get(
          tiers['bff-mobile'].url,
          { operationName: 'MyOrders', extensions: JSON.stringify(persistedQuery(hash)) },
          { authorization: `Bearer ${token}` },
        );
        expectLabelled(byHash.status, kind).toBe(401);
        expectRefused(byHash, 401, ['UNAUTHENTICATED']);
        expectLabelled(byHash.headers.get('www-authenticate'), kind).toMatch(/^Bearer error="invalid_token"/);
        const byText = await post(
          tiers['bff-mobile'].url,
          { operationName: 'MyOrders', query: document },
          { authorization: `Bearer ${token}` },
        );
        expectRefused(byText, 401, ['UNAUTHENTICATED']);
      }
    });

    it('bff-web (session cookie): UNAUTHENTICATED, no data, and a tampered cookie is cleared', async () => {
      const orderDetail = webOperations.get('OrderDetail')!.document;
      for (const [kind, token] of Object.entries(await badTokens())) {
        const attempt = await post(
          tiers['bff-web'].url,
          { operationName: 'OrderDetail', query: orderDetail, variables: { id: adaOrder.id } },
          { cookie: `sf_session=${token}` },
        );
        expectLabelled(codes(attempt), kind).toEqual(['UNAUTHENTICATED']);
        expectLabelled(attempt.body?.data?.order ?? null, kind).toBeNull();
        expectNothingOfAda(attempt.text, kind);
      }
      const forged = tampered(tokens.grace, { payload: (claims) => ({ ...claims, role: 'ADMIN' }) });
      const refused = await post(tiers['bff-web'].url, { query: '{ viewer { id } }' }, { cookie: `sf_session=${forged}` });
      expect(refused.status).toBe(401);
      expect(refused.headers.getSetCookie().some((cookie) => /^sf_session=;/.test(cookie))).toBe(true);
      // A forged refresh cookie signs no one in.
      const refresh = await post(
        tiers['bff-web'].url,
        { query: '{ viewer { id } }' },
        { cookie: 'sf_refresh=forged-refresh-token' },
      );
      expect(refresh.body?.data?.viewer ?? null).toBeNull();
    });
  });

  describe("IDOR: grace asks for ada's data by id", () => {
    it('gateway: order(id) and user(id) are FORBIDDEN and leak nothing', async () => {
      const order = await post(
        tiers.gateway.url,
        {
          query: 'query ($id: ID!) { order(id: $id) { id number total { amount } buyer { name email } } }',
          variables: { id: adaOrder.id },
        },
        { authorization: `Bearer ${tokens.grace}` },
      );
      expect(codes(order)).toEqual(['FORBIDDEN']);
      expect(order.body?.data?.order ?? null).toBeNull();
      const user = await post(
        tiers.gateway.url,
        { query: 'query ($id: ID!) { user(id: $id) { id name email } }', variables: { id: ada.id } },
        { authorization: `Bearer ${tokens.grace}` },
      );
      expect(codes(user)).toEqual(['FORBIDDEN']);
      expect(user.body?.data?.user ?? null).toBeNull();
      const anonymous = await post(tiers.gateway.url, {
        query: 'query ($id: ID!) { user(id: $id) { email } }',
        variables: { id: ada.id },
      });
      expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
      // All orders are for admins only.
      const all = await post(
        tiers.gateway.url,
        { query: '{ orders(first: 100) { nodes { id } } }' },
        { authorization: `Bearer ${tokens.grace}` },
      );
      expect(codes(all)).toEqual(['FORBIDDEN']);
      for (const attempt of [order, user, anonymous, all]) {
        expectNothingOfAda(attempt.text);
      }
    });

    it("bff-web: OrderDetail and CancelOrder of ada's order are FORBIDDEN for grace", async () => {
      const graceClient = await signedIn(tiers['bff-web'].url, grace);
      const detail = await graceClient.send('OrderDetail', { id: adaOrder.id });
      expectNoInternals({ status: detail.status, text: JSON.stringify(detail.body), headers: detail.headers, body: detail.body });
      expect(detail.body.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(detail.body.data?.order ?? null).toBeNull();
      expectNothingOfAda(JSON.stringify(detail.body));
      const cancel = await graceClient.send('CancelOrder', { id: adaOrder.id });
      expect(cancel.body.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
      // A cross-site form (text/plain) carrying grace's cookies cannot sign her out either.
      const csrf = await request(tiers['bff-web'].url, {
        method: 'POST',
        headers: {
          'content-type': 'text/plain',
          cookie: [...graceClient.cookies].map(([key, value]) => `${key}=${value}`).join('; '),
        },
        body: JSON.stringify({ query: 'mutation { logOut }' }),
      });
      expectRefused(csrf, 400, ['BAD_REQUEST']);
      const viewer = await graceClient.send('Viewer');
      expect(viewer.body.data?.viewer?.id).toBe(grace.id);
    });

    it("bff-mobile: no query reads an order by id, and grace's orders are hers only", async () => {
      const { url } = tiers['bff-mobile'];
      const byId = await post(
        url,
        { query: 'query ($id: ID!) { order(id: $id) { id } }', variables: { id: adaOrder.id } },
        { authorization: `Bearer ${tokens.grace}` },
      );
      expectRefused(byId, 400, ['GRAPHQL_VALIDATION_FAILED']);
      const { hash } = mobileOperation('MyOrders');
      const mine = await get(
        url,
        { operationName: 'MyOrders', variables: JSON.stringify({ first: 50 }), extensions: JSON.stringify(persistedQuery(hash)) },
        { authorization: `Bearer ${tokens.grace}` },
      );
      expect(mine.status).toBe(200);
      const ids = (mine.body!.data!.myOrders.nodes as Array<{ id: string }>).map((order) => order.id).sort();
      expect(ids).toEqual(graceOrders.map((order) => order.id).sort());
    });
  });

  it('outside production the same misspelling gets a suggestion (so the checks above mean something)', async () => {
    const response = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ prodcts(first: 1) { nodes { id } } }' }),
    });
    expect(await response.text()).toContain('Did you mean');
  });

  it('no response of this suite carried a stack trace, an exception extension or a suggestion', () => {
    expect(responsesChecked).toBeGreaterThan(100);
  });
});
