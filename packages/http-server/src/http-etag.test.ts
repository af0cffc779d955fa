import { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { apolloDefaults } from './apollo.js';
import type { RequestContext } from './request-context.js';
import { listen, type RunningServer } from './listen.js';
import { createGraphQLHttpServer } from './server.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';

const typeDefs = /* GraphQL */ `
  enum CacheControlScope {
    PUBLIC
    PRIVATE
  }
  directive @cacheControl(
    maxAge: Int
    scope: CacheControlScope
    inheritMaxAge: Boolean
  ) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
  type Query {
    greeting: String @cacheControl(maxAge: 60)
    now: String
  }
`;

let counter = 0;
const servers: RunningServer[] = [];
const apollos: ApolloServer<RequestContext>[] = [];

async function start(etag: boolean): Promise<string> {
  const logger = createLogger('etag-test', 'silent');
  const metrics = createMetrics('etag-test');
  const apollo = new ApolloServer<RequestContext>({
    typeDefs,
    resolvers: { Query: { greeting: () => 'hello', now: () => String((counter += 1)) } },
    ...apolloDefaults<RequestContext>({ nodeEnv: 'test', logger, metrics }),
  });
  await apollo.start();
  apollos.push(apollo);
  const running = await listen(
    createGraphQLHttpServer({
      apollo,
      logger,
      metrics,
      context: async (request) => ({ requestId: request.requestId }),
      ...(etag ? { etag } : {}),
    }),
    0,
    '127.0.0.1',
  );
  servers.push(running);
  return running.url;
}

const get = (url: string, query: string, headers: Record<string, string> = {}) =>
  fetch(`${url}?${new URLSearchParams({ query })}`, { headers: { 'apollo-require-preflight': 'true', ...headers } });

let withEtag: string;
let without: string;

beforeAll(async () => {
  [withEtag, without] = await Promise.all([start(true), start(false)]);
});

afterAll(async () => {
  for (const running of servers) await running.close();
  for (const apollo of apollos) await apollo.stop();
});

describe('createGraphQLHttpServer with etag', () => {
  it('tags cacheable GET responses and answers a matching If-None-Match with 304 and no body', async () => {
    const first = await get(withEtag, '{ greeting }');
    const body = await first.text();
    const etag = first.headers.get('etag');
    expect(first.headers.get('cache-control')).toBe('max-age=60, public');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);

    const again = await get(withEtag, '{ greeting }', { 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe('max-age=60, public');

    expect((await get(withEtag, '{ greeting }', { 'if-none-match': `"x", W/${etag}` })).status).toBe(304);
    expect((await get(withEtag, '{ greeting }', { 'if-none-match': '*' })).status).toBe(304);
    const other = await get(withEtag, '{ greeting }', { 'if-none-match': '"x"' });
    expect(other.status).toBe(200);
    expect(await other.text()).toBe(body);
  });

  it('leaves uncacheable responses, errors and POSTs alone', async () => {
    const uncacheable = await get(withEtag, '{ now }');
    expect(uncacheable.headers.get('cache-control')).toBe('no-store');
    expect(uncacheable.headers.get('etag')).toBeNull();
    const error = await get(withEtag, '{ nope }');
    expect(error.status).toBe(400);
    expect(error.headers.get('etag')).toBeNull();
    const post = await fetch(withEtag, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ greeting }' }),
    });
    expect(post.headers.get('etag')).toBeNull();
  });

  it('is off by default', async () => {
    const response = await get(without, '{ greeting }');
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBeNull();
    expect((await get(without, '{ greeting }', { 'if-none-match': '*' })).status).toBe(200);
  });
});
