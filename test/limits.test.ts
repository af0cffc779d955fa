import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheControlTypeDefs } from '@storefront/bff';
import { loadMobileConfig } from '@storefront/bff-mobile/config';
import { createMobileServer } from '@storefront/bff-mobile/server';
import { loadWebConfig } from '@storefront/bff-web/config';
import { createWebServer } from '@storefront/bff-web/server';
import { repositoryRoot } from '@storefront/db';
import { loadGatewayConfig } from '@storefront/gateway/config';
import { createGatewayServer } from '@storefront/gateway/server';
import { analyzeOperation, documentLimitRules, documentLimits, type DocumentLimitsConfig } from '@storefront/http-server';
import { expectLabelled, testSubgraphSecret } from '@storefront/testing';
import { Kind, Lexer, Source, TokenKind, buildSchema, parse, validate, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadClientOperations } from '../scripts/lib/client-operations.js';
import { startStack, type Stack } from './support/stack.js';

/**
 * Each document limit of the gateway and both BFFs, just under (passes) and just over (refused
 * with its own code and HTTP 400), over HTTP against servers in front of a real stack. The
 * servers here read small limits from their environment (so the boundaries are easy to reach
 * with valid documents, and the env variables are proven to work); the defaults are checked
 * against the client contracts below and attacked in security.test.ts.
 */

const roomyRateLimits = {
  RATE_LIMIT_PER_USER: '100000',
  RATE_LIMIT_PER_IP: '100000',
  LOGIN_ATTEMPTS_PER_ACCOUNT: '10000',
  LOGIN_ATTEMPTS_PER_IP: '10000',
};

/** Small limits, each reachable with a valid document of every graph. */
const LIMITS = {
  MAX_QUERY_DEPTH: '5',
  MAX_ALIASES: '6',
  MAX_ROOT_FIELDS: '4',
  MAX_DIRECTIVES: '3',
  MAX_TOKENS: '60',
  MAX_DOCUMENT_BYTES: '1000',
  MAX_QUERY_COST: '70',
  MAX_PAGE_SIZE: '40',
  MAX_BODY_BYTES: '3000',
};

interface Response {
  status: number;
  text: string;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

async function post(url: string, body: unknown): Promise<Response> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, body: text ? JSON.parse(text) : {} };
}

async function get(url: string, query: string): Promise<Response> {
  const response = await fetch(`${url}?${new URLSearchParams({ query })}`, { headers: { 'apollo-require-preflight': 'true' } });
  const text = await response.text();
  return { status: response.status, text, body: text ? JSON.parse(text) : {} };
}

const codes = (response: Response) => (response.body.errors ?? []).map((error) => error.extensions?.code);

function expectPassed(response: Response) {
  expectLabelled(response.body.errors, response.text).toBeUndefined();
  expect(response.status).toBe(200);
  expect(response.body.data).toBeTruthy();
}

function expectRefused(response: Response, code: string, status = 400) {
  expectLabelled(response.status, response.text).toBe(status);
  expect(codes(response)).toEqual([code]);
  expect(response.body.data ?? null).toBeNull();
}

/**
 * POSTs a body of `bytes` from a child process, as a real client does (a client sharing the
 * server's event loop never races it), with a Content-Length or chunked; the status and code
 * it got, or the error it ran into.
 */
async function postFromAnotherProcess(url: string, bytes: number, chunked: boolean): Promise<string> {
  const script = `
    const [url, bytes, chunked] = process.argv.slice(1);
    const body = Buffer.alloc(Number(bytes), 'x');
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunked === 'true' ? new Blob([body]).stream() : body,
      duplex: 'half',
    })
      .then(async (response) => console.log(response.status, (await response.json()).errors?.[0]?.extensions?.code))
      .catch((error) => console.log('failed', error.cause?.code ?? error.message));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, url, String(bytes), String(chunked)]);
  return stdout.trim();
}

function tokenCount(document: string): number {
  const lexer = new Lexer(new Source(document));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
}

interface Graph {
  name: string;
  /** A list field with `first`, at the root. */
  list: string;
  /** Its type. */
  listType: string;
  /** A scalar field of that type, if it has one. */
  scalar?: string;
  /** A document exactly `depth` fields deep. */
  deep(depth: number): string;
  /** A selection of the list field's type that costs `n` (n fields of one level). */
  items(n: number): string;
}

const repeat = (n: number, text: (index: number) => string) => Array.from({ length: n }, (_, index) => text(index)).join(' ');

/** products → nodes → related → … → id */
const gatewayGraph: Graph = {
  name: 'gateway',
  list: 'products',
  listType: 'ProductConnection',
  scalar: 'totalCount',
  deep: (depth) => `{ products(first: 1) { nodes { ${'related(first: 1) { '.repeat(depth - 3)}id${' }'.repeat(depth - 3)} } } }`,
  items: (n) => repeat(n, () => '__typename'),
};

/** catalog → edges → node → related → … → id */
const webGraph: Graph = {
  name: 'bff-web',
  list: 'catalog',
  listType: 'ProductConnection',
  scalar: 'totalCount',
  deep: (depth) =>
    `{ catalog(first: 1) { edges { node { ${'related(first: 1) { '.repeat(depth - 4)}id${' }'.repeat(depth - 4)} } } } }`,
  items: (n) => repeat(n, () => '__typename'),
};

/** The mobile graph has no cycles: home → featured → id is as deep as it goes (3). */
const mobileGraph: Graph = {
  name: 'bff-mobile',
  list: 'products',
  listType: 'ProductList',
  deep: (depth) => (depth === 2 ? '{ home { __typename } }' : depth === 3 ? '{ home { featured { id } } }' : 'unreachable'),
  items: (n) => repeat(n, () => '__typename'),
};

/** Exactly `cost` with the model of analyzeOperation (packages/http-server/src/limits/operation-cost.ts): each `list(first: a) { __typename }` costs 1 + a. */
function costDocument(graph: Graph, cost: number, maxPage: number): string {
  const parts: number[] = [];
  let left = cost;
  while (left > 0) {
    const part = Math.min(left, maxPage + 1);
    parts.push(part);
    left -= part;
  }
  if (parts.at(-1) === 1) {
    // `list(first: 0)` is not a page; move one unit over.
    parts[parts.length - 2]! -= 1;
    parts[parts.length - 1] = 2;
  }
  return `{ ${parts.map((part, index) => `c${index}: ${graph.list}(first: ${part - 1}) { __typename }`).join(' ')} }`;
}

describe('document limits over HTTP (each just under passes, just over is refused with its code)', () => {
  let stack: Stack;
  const servers: Array<{ stop(): Promise<void> }> = [];
  const urls: Record<string, string> = {};
  const configs: Record<string, DocumentLimitsConfig & { MAX_BODY_BYTES: number }> = {};

  beforeAll(async () => {
    stack = await startStack({ web: true, mobile: true });
    const base = { NODE_ENV: 'test', LOG_LEVEL: 'silent', SUBGRAPH_SECRET: testSubgraphSecret, ...roomyRateLimits };
    const gatewayConfig = loadGatewayConfig({
      ...base,
      ...LIMITS,
      USERS_URL: stack.subgraphs.users.running.url,
      CATALOG_URL: stack.subgraphs.catalog.running.url,
      ORDERS_URL: stack.subgraphs.orders.running.url,
    });
    const gateway = createGatewayServer({ config: gatewayConfig });
    urls.gateway = (await gateway.listen(0, '127.0.0.1')).url;
    configs.gateway = gatewayConfig;
    servers.push(gateway);

    // The BFFs call the stack's gateway (default limits), so only their own limits are in play.
    const webConfig = loadWebConfig({ ...base, ...LIMITS, GATEWAY_URL: stack.gatewayUrl });
    const web = createWebServer({ config: webConfig });
    urls['bff-web'] = (await web.listen(0, '127.0.0.1')).url;
    configs['bff-web'] = webConfig;
    servers.push(web);

    // Depth 2: the mobile graph is 3 deep at most, so that is the limit a valid document can pass.
    const mobileConfig = loadMobileConfig({ ...base, ...LIMITS, MAX_QUERY_DEPTH: '2', GATEWAY_URL: stack.gatewayUrl });
    const mobile = createMobileServer({ config: mobileConfig });
    urls['bff-mobile'] = (await mobile.listen(0, '127.0.0.1')).url;
    configs['bff-mobile'] = mobileConfig;
    servers.push(mobile);
  });

  afterAll(async () => {
    for (const server of servers) await server.stop();
    await stack?.stop();
  });

  describe.each([gatewayGraph, webGraph, mobileGraph])('$name', (graph) => {
    const url = () => urls[graph.name]!;
    const limits = () => configs[graph.name]!;

    it('reads its limits from the environment', () => {
      expect(limits()).toMatchObject({
        MAX_ALIASES: 6,
        MAX_ROOT_FIELDS: 4,
        MAX_DIRECTIVES: 3,
        MAX_TOKENS: 60,
        MAX_DOCUMENT_BYTES: 1000,
        MAX_QUERY_COST: 70,
        MAX_PAGE_SIZE: 40,
        MAX_BODY_BYTES: 3000,
        MAX_QUERY_DEPTH: graph === mobileGraph ? 2 : 5,
      });
    });

    it('MAX_QUERY_DEPTH: QUERY_TOO_DEEP', async () => {
      const max = limits().MAX_QUERY_DEPTH;
      expectPassed(await post(url(), { query: graph.deep(max) }));
      expectRefused(await post(url(), { query: graph.deep(max + 1) }), 'QUERY_TOO_DEEP');
    });

    it('MAX_ALIASES: TOO_MANY_ALIASES, aliases of __typename included', async () => {
      const max = limits().MAX_ALIASES;
      const aliased = (n: number, field: string) =>
        `{ ${graph.list}(first: 1) { ${repeat(n, (index) => `a${index}: ${field}`)} } }`;
      expectPassed(await post(url(), { query: aliased(max, '__typename') }));
      expectRefused(await post(url(), { query: aliased(max + 1, '__typename') }), 'TOO_MANY_ALIASES');
      // Ordinary fields, and aliases spread through fragments, count the same.
      if (graph.scalar) expectRefused(await post(url(), { query: aliased(max + 1, graph.scalar) }), 'TOO_MANY_ALIASES');
      const fragments = `fragment A on ${graph.listType} { ${repeat(max, (index) => `a${index}: __typename`)} } fragment B on ${graph.listType} { b: __typename }`;
      expectPassed(
        await post(url(), {
          query: `{ ${graph.list}(first: 1) { ...A ...B } } ${fragments.replace(/ b: __typename/, ' __typename')}`,
        }),
      );
      expectRefused(await post(url(), { query: `{ ${graph.list}(first: 1) { ...A ...B } } ${fragments}` }), 'TOO_MANY_ALIASES');
    });

    it('MAX_ROOT_FIELDS: TOO_MANY_ROOT_FIELDS', async () => {
      const max = limits().MAX_ROOT_FIELDS;
      // The same field twice at the root is merged into one, but still counts: the document is what is limited.
      expectPassed(await post(url(), { query: `{ ${repeat(max, () => '__typename')} }` }));
      expectRefused(await post(url(), { query: `{ ${repeat(max + 1, () => '__typename')} }` }), 'TOO_MANY_ROOT_FIELDS');
    });

    it('MAX_DIRECTIVES: TOO_MANY_DIRECTIVES', async () => {
      const max = limits().MAX_DIRECTIVES;
      const directed = (n: number) =>
        `{ ${graph.list}(first: 1) { ${repeat(n, (index) => `__typename @${index % 2 ? 'skip(if: false)' : 'include(if: true)'}`)} } }`;
      expectPassed(await post(url(), { query: directed(max) }));
      expectRefused(await post(url(), { query: directed(max + 1) }), 'TOO_MANY_DIRECTIVES');
    });

    it('MAX_DIRECTIVES: a directive repeated on one field is refused once with DIRECTIVE_REPEATED, before validation', async () => {
      // Unknown or known, under the limit or far over it: one error, not one per repeat.
      expectRefused(await post(url(), { query: `{ ${graph.list}(first: 1) { __typename @aa @aa } }` }), 'DIRECTIVE_REPEATED');
      expectRefused(
        await post(url(), { query: `{ ${graph.list}(first: 1) { __typename @include(if: true) @include(if: true) } }` }),
        'DIRECTIVE_REPEATED',
      );
      expectRefused(await post(url(), { query: `{ __typename ${'@aa '.repeat(10)}}` }), 'DIRECTIVE_REPEATED');
      expectRefused(await get(url(), `{ __typename ${'@aa'.repeat(10)} }`), 'DIRECTIVE_REPEATED');
      // The same directive on different fields is no repeat; an `@` in a string or comment is no directive.
      expectPassed(
        await post(url(), {
          query: `{ ${graph.list}(first: 1) { a: __typename @include(if: true) b: __typename @include(if: true) } }`,
        }),
      );
      expectPassed(await post(url(), { query: `# @aa @aa @aa @aa\n{ ${graph.list}(first: 1) { __typename } }` }));
    });

    it('MAX_TOKENS: TOO_MANY_TOKENS', async () => {
      const max = limits().MAX_TOKENS;
      const document = (tokens: number) => {
        const empty = tokenCount(`{ ${graph.list}(first: 1) { } }`);
        return `{ ${graph.list}(first: 1) { ${graph.items(tokens - empty)} } }`;
      };
      expect(tokenCount(document(max))).toBe(max);
      expect(tokenCount(document(max + 1))).toBe(max + 1);
      // Comments and commas are not tokens.
      expectPassed(await post(url(), { query: `# ${'x'.repeat(100)}\n${document(max).replace(/ /g, ', ')}` }));
      expectRefused(await post(url(), { query: document(max + 1) }), 'TOO_MANY_TOKENS');
    });

    it('MAX_DOCUMENT_BYTES: DOCUMENT_TOO_LARGE, in a POST body or a GET URL, before parsing', async () => {
      const max = limits().MAX_DOCUMENT_BYTES;
      const sized = (bytes: number) => {
        const query = '{ __typename } # é';
        return query + ' '.repeat(bytes - Buffer.byteLength(query));
      };
      expect(Buffer.byteLength(sized(max + 1))).toBe(max + 1);
      expectPassed(await post(url(), { query: sized(max) }));
      expectRefused(await post(url(), { query: sized(max + 1) }), 'DOCUMENT_TOO_LARGE');
      expectPassed(await get(url(), sized(max)));
      expectRefused(await get(url(), sized(max + 1)), 'DOCUMENT_TOO_LARGE');
      // Not even parsed: a broken document that is too large is refused for its size.
      expectRefused(await post(url(), { query: `{ ${'x'.repeat(max)}` }), 'DOCUMENT_TOO_LARGE');
    });

    it('MAX_QUERY_COST: QUERY_TOO_COSTLY, list sizes taken from first (literal, variable or default)', async () => {
      const max = limits().MAX_QUERY_COST;
      const page = limits().MAX_PAGE_SIZE;
      expectPassed(await post(url(), { query: costDocument(graph, max, page) }));
      expectRefused(await post(url(), { query: costDocument(graph, max + 1, page) }), 'QUERY_TOO_COSTLY');
      // The same through a variable: 2 × (1 + 35) = 72.
      const twoPages = `query ($n: Int) { a: ${graph.list}(first: $n) { __typename } b: ${graph.list}(first: $n) { __typename } }`;
      expectPassed(await post(url(), { query: twoPages, variables: { n: 34 } }));
      expectRefused(await post(url(), { query: twoPages, variables: { n: 35 } }), 'QUERY_TOO_COSTLY');
    });

    it('MAX_PAGE_SIZE: first above it is BAD_USER_INPUT, never clamped', async () => {
      const max = limits().MAX_PAGE_SIZE;
      const page = (first: number) => `{ ${graph.list}(first: ${first}) { __typename } }`;
      expectPassed(await post(url(), { query: page(max) }));
      const refused = await post(url(), { query: page(max + 1) });
      expectRefused(refused, 'BAD_USER_INPUT');
      expect(refused.body.errors![0]!.message).toContain(`between 1 and ${max}`);
      const byVariable = `query ($first: Int) { ${graph.list}(first: $first) { __typename } }`;
      expectPassed(await post(url(), { query: byVariable, variables: { first: max } }));
      expectRefused(await post(url(), { query: byVariable, variables: { first: max + 1 } }), 'BAD_USER_INPUT');
    });

    it('page sizes below 1 are refused like those above the maximum: 400 BAD_USER_INPUT, before execution', async () => {
      const max = limits().MAX_PAGE_SIZE;
      for (const first of [0, -5]) {
        const literal = await post(url(), { query: `{ ${graph.list}(first: ${first}) { __typename } }` });
        expectRefused(literal, 'BAD_USER_INPUT');
        expect(literal.body.errors![0]!.message).toContain(`between 1 and ${max}`);
        const byVariable = `query ($first: Int) { ${graph.list}(first: $first) { __typename } }`;
        expectRefused(await post(url(), { query: byVariable, variables: { first } }), 'BAD_USER_INPUT');
      }
      expect(
        (await post(url(), { query: `{ ${graph.list}(first: ${max + 1}) { __typename } }` })).body.errors![0]!.message,
      ).toContain(`between 1 and ${max}`);
    });

    it('MAX_BODY_BYTES: a larger request body gets 413', async () => {
      const max = limits().MAX_BODY_BYTES;
      const body = (bytes: number) => {
        const empty = JSON.stringify({ query: '{ __typename }', variables: { pad: '' } });
        return JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(bytes - empty.length) } });
      };
      expect(body(max + 1).length).toBe(max + 1);
      expectPassed(await post(url(), body(max)));
      expectRefused(await post(url(), body(max + 1)), 'PAYLOAD_TOO_LARGE', 413);
    });

    it('MAX_BODY_BYTES: a 20 MB body gets a clean 413 before the connection closes', async () => {
      // The client is still sending when the server has seen enough: the answer must arrive all the same.
      for (const chunked of [false, true]) {
        for (let attempt = 0; attempt < 3; attempt += 1) {
          expect(await postFromAnotherProcess(url(), 20 * 1024 * 1024, chunked)).toBe('413 PAYLOAD_TOO_LARGE');
        }
      }
    });

    it('HTTP batching is off', async () => {
      const batch = await post(url(), [{ query: '{ __typename }' }, { query: '{ __typename }' }]);
      expect(batch.status).toBe(400);
      expect(codes(batch)).toEqual(['BAD_REQUEST']);
    });
  });

  describe("the stack's servers run with their defaults", () => {
    it.each([
      ['gateway', () => stack.gatewayUrl, gatewayGraph, () => loadGatewayConfig({})],
      ['bff-web', () => stack.webUrl, webGraph, () => loadWebConfig({})],
      ['bff-mobile', () => stack.mobileUrl, mobileGraph, () => loadMobileConfig({})],
    ] as const)('%s', async (_name, url, graph, config) => {
      const defaults = config();
      const aliased = (n: number) => `{ ${graph.list}(first: 1) { ${repeat(n, (index) => `a${index}: __typename`)} } }`;
      expectPassed(await post(url(), { query: aliased(defaults.MAX_ALIASES) }));
      expectRefused(await post(url(), { query: aliased(defaults.MAX_ALIASES + 1) }), 'TOO_MANY_ALIASES');
      expectRefused(
        await post(url(), { query: `{ ${graph.list}(first: ${defaults.MAX_PAGE_SIZE + 1}) { __typename } }` }),
        'BAD_USER_INPUT',
      );
      // Two bytes a token, so the document is within MAX_DOCUMENT_BYTES and parsing stops it.
      expectRefused(await post(url(), { query: `{ ${'a '.repeat(defaults.MAX_TOKENS)}}` }), 'TOO_MANY_TOKENS');
    });
  });
});

describe('the default limits fit every client operation', () => {
  const cases = [
    ['web', () => loadWebConfig({}), 'bff-web/schema.graphql'],
    ['mobile', () => loadMobileConfig({}), 'bff-mobile/schema.graphql'],
  ] as const;

  it.each(cases)('%s: each contract operation, even at the largest page size', (client, config, schemaFile) => {
    const defaults = config();
    const limits = documentLimits(defaults);
    const schema = buildSchema(`${cacheControlTypeDefs}\n${readFileSync(path.join(repositoryRoot, schemaFile), 'utf8')}`);
    const operations = loadClientOperations(client);
    expect(operations.size).toBeGreaterThan(0);
    for (const operation of operations.values()) {
      const document = parse(operation.document, { maxLexicalTokens: limits.maxTokens });
      expectLabelled(Buffer.byteLength(operation.document), operation.name).toBeLessThanOrEqual(limits.maxDocumentBytes);
      expectLabelled(
        validate(schema, document, documentLimitRules(limits)).map((error) => error.message),
        operation.name,
      ).toEqual([]);
      const definition = document.definitions.find(
        (each): each is OperationDefinitionNode => each.kind === Kind.OPERATION_DEFINITION,
      )!;
      // Every page-size variable at the maximum: the worst case the app can send.
      const variables = Object.fromEntries(
        (definition.variableDefinitions ?? [])
          .filter((variable) => /first$/i.test(variable.variable.name.value))
          .map((variable) => [variable.variable.name.value, limits.maxPageSize]),
      );
      const { cost, invalidPage } = analyzeOperation(schema, document, definition, variables, limits.maxPageSize);
      expectLabelled(invalidPage, operation.name).toBeUndefined();
      expectLabelled(cost, operation.name).toBeLessThanOrEqual(limits.maxCost);
    }
  });
});
