// Observability across the tiers: JSON logs carrying one request id (and the caller's
// operation name) in the BFF, the gateway and the subgraph; Prometheus series on every
// server; and OpenTelemetry traces exported over OTLP/HTTP to a receiver in this test, one
// trace id from the BFF through the gateway and a subgraph down to Prisma.
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { products } from '@storefront/catalog/seed-data';
import { ada } from '@storefront/users/seed-data';
import { startTracing, type Tracing } from '@storefront/http-server';
import { accessTokenFor, eventually, graphql } from '@storefront/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startStack, type Stack } from './support/stack.js';
import { WebClient } from './support/web-client.js';

interface LogLine {
  service: string;
  requestId?: string;
  operationName?: string;
  msg: string;
  [key: string]: unknown;
}

interface ExportedSpan {
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
}

/** A minimal OTLP/HTTP (JSON) trace receiver: what a collector would get. */
async function startOtlpReceiver() {
  const spans: ExportedSpan[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      if (request.url === '/v1/traces' && String(request.headers['content-type']).includes('json')) {
        const body = JSON.parse(raw.toString('utf8')) as {
          resourceSpans?: Array<{
            scopeSpans?: Array<{
              scope?: { name?: string };
              spans?: Array<{
                traceId: string;
                spanId: string;
                parentSpanId?: string;
                name: string;
                attributes?: Array<{ key: string; value: Record<string, unknown> }>;
              }>;
            }>;
          }>;
        };
        for (const resource of body.resourceSpans ?? []) {
          for (const scope of resource.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) {
              spans.push({
                scope: scope.scope?.name ?? '',
                traceId: span.traceId,
                spanId: span.spanId,
                ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
                name: span.name,
                attributes: Object.fromEntries((span.attributes ?? []).map(({ key, value }) => [key, Object.values(value)[0]])),
              });
            }
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    spans,
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const base = (url: string) => url.replace(/\/graphql$/, '');

/** `check`'s first answer other than undefined. */
const until = <T>(
  check: () => Promise<T | undefined>,
  { timeoutMs, intervalMs, message }: { timeoutMs: number; intervalMs: number; message: string },
) => eventually(check, (value) => value !== undefined, message, { timeoutMs, intervalMs }) as Promise<T>;

describe('observability', () => {
  let stack: Stack;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let tracing: Tracing;
  const logs: LogLine[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // As a service's main.ts does with OTEL_EXPORTER_OTLP_ENDPOINT set.
    tracing = await startTracing('storefront-test', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    expect(tracing.enabled).toBe(true);
    stack = await startStack({
      web: true,
      mobile: true,
      // Every service's JSON lines, captured through the factories' `logger` option.
      logger: (service) =>
        pino({ level: 'info', base: { service } }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) }),
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await tracing?.shutdown();
    await receiver?.close();
  });

  it('turns tracing off without an endpoint', async () => {
    expect((await startTracing('nothing', {})).enabled).toBe(false);
  });

  describe('one request, three tiers', () => {
    const requestId = `obs-${randomUUID()}`;
    // A search of its own: no cached page answers in the gateway's place.
    const page = { search: products[0]!.name.split(' ')[0]!, first: 3 };

    beforeAll(async () => {
      const response = await new WebClient(stack.webUrl, { 'x-request-id': requestId }).send('CatalogPage', page);
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(response.headers.get('x-request-id')).toBe(requestId);
    });

    it('logs the request id, with the caller’s operation name, in the BFF, the gateway and the subgraph', () => {
      const lines = logs.filter((line) => line.requestId === requestId && line.msg === 'request completed');
      const byService = new Map(lines.map((line) => [line.service, line]));
      expect([...byService.keys()].sort()).toEqual(expect.arrayContaining(['bff-web', 'gateway', 'catalog']));
      // Each tier names the operation its caller sent: the app's, then the BFF's, then the gateway's.
      expect(byService.get('bff-web')).toMatchObject({ operationName: 'CatalogPage', status: 200 });
      expect(byService.get('gateway')?.operationName).toMatch(/^Bff_/);
      expect(byService.get('catalog')?.operationName).toBeTruthy();
      for (const line of lines) expect(typeof line.durationMs).toBe('number');
    });

    it('exports one trace from the BFF through the gateway and the subgraph down to Prisma', async () => {
      const trace = await until(
        async () => {
          await tracing.flush();
          const root = receiver.spans.find((span) => span.scope === 'bff-web' && span.attributes['request.id'] === requestId);
          if (!root) return undefined;
          const inTrace = receiver.spans.filter((span) => span.traceId === root.traceId);
          const scopes = new Set(inTrace.map((span) => span.scope));
          const prisma = inTrace.some((span) => span.name.startsWith('prisma:'));
          return scopes.has('gateway') && scopes.has('catalog') && prisma ? { root, inTrace } : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 100, message: 'a trace spanning bff-web, gateway, catalog and prisma' },
      );
      const { root, inTrace } = trace;
      expect(root.name).toBe('POST /graphql CatalogPage');
      expect(root.parentSpanId ?? '').toBe('');
      const ids = new Set(inTrace.map((span) => span.spanId));
      const server = (scope: string) => inTrace.find((span) => span.scope === scope && span.name.startsWith('POST /graphql'))!;
      // Each tier's server span continues the previous tier's (W3C traceparent on every hop).
      expect(server('gateway').parentSpanId).toBe(root.spanId);
      expect(ids.has(server('catalog').parentSpanId!)).toBe(true);
      expect(server('catalog').attributes['request.id']).toBe(requestId);
      // Prisma's spans hang under the catalog's request.
      for (const span of inTrace.filter((each) => each.name.startsWith('prisma:')))
        expect(ids.has(span.parentSpanId!)).toBe(true);
    });
  });

  it('carries a caller’s traceparent through orders’ own call to catalog', async () => {
    const traceId = randomBytes(16).toString('hex');
    const product = products.find((each) => each.stockQuantity > 10)!;
    const response = await graphql(
      stack.gatewayUrl,
      'mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { order { id } userErrors { code } } }',
      { input: { items: [{ productId: product.id, quantity: 1 }] }, key: `obs-${randomUUID()}` },
      { token: await accessTokenFor(ada), headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } },
    );
    expect(response.body.errors).toBeUndefined();
    const spans = await until(
      async () => {
        await tracing.flush();
        const inTrace = receiver.spans.filter((span) => span.traceId === traceId);
        const fromOrders = inTrace.find(
          (span) => span.scope === 'catalog' && span.attributes['graphql.operation.name'] === 'OrdersProductsForOrder',
        );
        return fromOrders ? { inTrace, fromOrders } : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100, message: "catalog's span of orders' call in the caller's trace" },
    );
    const parent = spans.inTrace.find((span) => span.spanId === spans.fromOrders.parentSpanId);
    expect(parent?.scope).toBe('orders');
  });

  it('exposes request rate, errors by code, latency per operation, cache lookups, subgraph latency, circuit state and batch sizes', async () => {
    const web = new WebClient(stack.webUrl);
    // A hit for the cache, and an error with a code.
    await web.send('ProductPage', { slug: products[1]!.slug });
    await web.send('ProductPage', { slug: products[1]!.slug });
    expect((await web.query('{ nope }')).body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const text = async (url: string) => {
      const response = await fetch(`${base(url)}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/text\/plain/);
      return response.text();
    };
    const everyServer = {
      'bff-web': stack.webUrl,
      'bff-mobile': stack.mobileUrl,
      gateway: stack.gatewayUrl,
      users: stack.subgraphs.users.running.url,
      catalog: stack.subgraphs.catalog.running.url,
      orders: stack.subgraphs.orders.running.url,
    };
    for (const url of Object.values(everyServer)) {
      await fetch(`${base(url)}/health/live`); // at least one request observed on each
      const metrics = await text(url);
      expect(metrics).toMatch(/http_request_duration_seconds_count\{/); // request rate
      expect(metrics).toMatch(/# TYPE graphql_errors_total counter/);
      expect(metrics).toMatch(/# TYPE graphql_operation_duration_seconds histogram/);
      expect(metrics).toMatch(/# TYPE dataloader_batch_size histogram/);
      expect(metrics).toMatch(/# TYPE rate_limited_total counter/);
    }
    const webMetrics = await text(stack.webUrl);
    expect(webMetrics).toMatch(/graphql_operation_duration_seconds_bucket\{[^}]*operation="ProductPage"/);
    expect(webMetrics).toMatch(/graphql_errors_total\{code="GRAPHQL_VALIDATION_FAILED"[^}]*\} [1-9]/);
    expect(webMetrics).toMatch(/bff_response_cache_lookups_total\{[^}]*result="hit"[^}]*\} [1-9]/);
    expect(webMetrics).toMatch(/bff_response_cache_lookups_total\{[^}]*result="miss"[^}]*\} [1-9]/);
    expect(webMetrics).toMatch(/dataloader_batch_size_count\{[^}]*loader="gateway"[^}]*\} [1-9]/);
    expect(webMetrics).toMatch(/circuit_state\{/);

    const gatewayMetrics = await text(stack.gatewayUrl);
    expect(gatewayMetrics).toMatch(/gateway_subgraph_request_duration_seconds_count\{[^}]*subgraph="catalog"[^}]*\} [1-9]/);
    expect(gatewayMetrics).toMatch(/circuit_state\{[^}]*target="catalog"/);

    const catalogMetrics = await text(stack.subgraphs.catalog.running.url);
    expect(catalogMetrics).toMatch(/dataloader_batch_size_count\{[^}]*loader="[A-Za-z]+"[^}]*\} [1-9]/);
    expect(catalogMetrics).toMatch(/db_statements_total\{[^}]*\} [1-9]/);
  });
});
