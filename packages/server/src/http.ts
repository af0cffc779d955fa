import { hash, randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { Logger } from 'pino';
import { refusedDocument } from './limits.js';
import { gracefulCloser, isDraining } from './lifecycle.js';
import type { ServiceMetrics } from './metrics.js';
import { callerOperationName, withServerSpan } from './tracing.js';
import { clientAddressResolver, runInRequestScope, type IncomingGraphQLRequest, type RequestRefusal, type TrustProxy } from './trust.js';

/** What a server's context function learns about the HTTP request. */
export interface RequestInfo {
  requestId: string;
  headers: IncomingMessage['headers'];
  /** First value of a header, lower-case name. */
  header(name: string): string | undefined;
  /** The client's address, for per-IP limits. */
  ip: string;
  /** Adds a Set-Cookie header (already serialized) to the response. */
  setCookie(cookie: string): void;
}

export interface CorsOptions {
  /** Exact origins allowed to call with credentials (cookies). */
  origins: readonly string[];
}

/** A readiness check's answer when it has more to say than up or down. */
export interface ReadinessOutcome {
  up: boolean;
  /** Why it is down, shown under `reasons` in /health/ready (operators read it, so no secrets). */
  reason?: string;
}

export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean | ReadinessOutcome>;
}

export interface GraphQLHttpServerOptions<Context extends BaseContext> {
  apollo: ApolloServer<Context>;
  context: (request: RequestInfo) => Promise<Context>;
  logger: Logger;
  metrics: ServiceMetrics;
  readiness?: ReadinessCheck[];
  /** Largest accepted request body, in bytes; larger ones get 413. */
  maxBodyBytes?: number;
  /** Largest GraphQL document (`query`, in a body or the URL), in bytes; larger ones get 400 DOCUMENT_TOO_LARGE unparsed. */
  maxDocumentBytes?: number;
  /** Most directives in a document; more, or one repeated on a location, get 400 unparsed (see refusedDocument). */
  maxDirectives?: number;
  /** Browser origins allowed to call this server; without it no CORS headers are sent. */
  cors?: CorsOptions;
  /** Proxies allowed to name the client's address (`X-Forwarded-For`); none by default. */
  trustProxy?: TrustProxy;
  /** Checked on every GraphQL request once its body is read, before anything else (subgraphs: the gateway's signature). */
  guard?: (request: IncomingGraphQLRequest) => RequestRefusal | undefined | Promise<RequestRefusal | undefined>;
  /**
   * Strong ETags (a hash of the body) on GET responses that Cache-Control lets a client keep,
   * and 304 Not Modified without a body when the request's If-None-Match names the current one.
   */
  etag?: boolean;
  /**
   * Answers a GraphQL request before Apollo Server sees it (a BFF's response cache hit), once
   * the body is read and checked; undefined lets Apollo answer. The same RequestInfo then
   * reaches the context function, so both can share what the early look learned.
   */
  earlyAnswer?: (request: RequestInfo, graphql: GraphQLHttpRequest) => Promise<EarlyAnswer | undefined>;
  /**
   * Serves a request that asks for `text/event-stream` (GraphQL over SSE subscriptions) once its
   * body is read under the size limit; without it such a request is an ordinary one.
   */
  eventStream?: (request: IncomingMessage, response: ServerResponse, info: RequestInfo, body: string) => Promise<void>;
}

/** A GraphQL request as it came over HTTP: the parsed JSON body (POST) or the URL's parameters (GET). */
export interface GraphQLHttpRequest {
  method: string;
  body: unknown;
  searchParams: URLSearchParams;
}

/** A complete 200 answer: its headers and the exact body (UTF-8 bytes, or text). */
export interface EarlyAnswer {
  headers: Record<string, string>;
  body: string | Uint8Array;
  /** The body's strong ETag when already known (`"<base64url sha256>"`). */
  etag?: string;
}

export interface RunningServer {
  server: http.Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

class BodyTooLargeError extends Error {}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function firstHeader(headers: IncomingMessage['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** How much of a refused body is read and dropped after its 413 before the connection is cut. */
const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

/**
 * Reads and drops the rest of a body refused as too large. Closing a connection whose
 * incoming bytes are unread resets it, and a client still sending would see that reset (EPIPE,
 * ECONNRESET) instead of the 413; so the connection stays open (and reusable) until the body
 * has ended, unless it goes on past MAX_DRAINED_BYTES.
 */
function drain(request: IncomingMessage): void {
  let drained = 0;
  request.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > MAX_DRAINED_BYTES) request.socket.destroy();
  });
  request.resume();
}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  // A declared length over the limit is refused before a byte is read.
  if (Number(firstHeader(request.headers, 'content-length')) > limit) {
    drain(request);
    return Promise.reject(new BodyTooLargeError());
  }
  // Events rather than an async iterator: this runs on every POST, and the iterator costs more than the read.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.off('data', onData);
        drain(request);
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
  });
}

/** True when a Cache-Control value lets the client keep the response for a while. */
function keepable(cacheControl: string | undefined): boolean {
  if (!cacheControl || /\b(no-store|no-cache)\b/i.test(cacheControl)) return false;
  return Number(/\bmax-age=(\d+)/i.exec(cacheControl)?.[1] ?? 0) > 0;
}

/** If-None-Match against a strong ETag, with the weak comparison RFC 9110 prescribes for it. */
function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  response.end(payload);
}

/**
 * The HTTP front of every server: GraphQL at /graphql (Apollo Server), liveness and
 * readiness at /health/*, Prometheus text at /metrics. Plain node:http keeps the hot path
 * short; each request gets an id (the caller's `x-request-id` when well-formed) that is
 * echoed back and passed to the context for logs and downstream calls.
 */
export function createGraphQLHttpServer<Context extends BaseContext>(
  options: GraphQLHttpServerOptions<Context>,
): http.Server {
  const { apollo, logger, metrics } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 1_000_000;
  const readiness = options.readiness ?? [];
  const allowedOrigins = new Set(options.cors?.origins ?? []);
  const clientAddress = clientAddressResolver(options.trustProxy);
  // Spans are named after the service (the logger's `service`), one tracer per tier.
  const service = (logger.bindings() as { service?: string }).service ?? 'graphql';

  /** CORS for allowed origins only; true when this was a preflight, already answered. */
  function applyCors(request: IncomingMessage, response: ServerResponse): boolean {
    const origin = firstHeader(request.headers, 'origin');
    if (!origin || !allowedOrigins.has(origin)) return false;
    response.setHeader('access-control-allow-origin', origin);
    response.setHeader('access-control-allow-credentials', 'true');
    response.setHeader('vary', 'Origin');
    if (request.method !== 'OPTIONS') return false;
    response.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    response.setHeader(
      'access-control-allow-headers',
      firstHeader(request.headers, 'access-control-request-headers') ?? 'content-type',
    );
    response.setHeader('access-control-max-age', '600');
    response.writeHead(204);
    response.end();
    return true;
  }

  function describeRequest(request: IncomingMessage, requestId: string, setCookie: (cookie: string) => void): RequestInfo {
    return {
      requestId,
      headers: request.headers,
      header: (name) => firstHeader(request.headers, name),
      ip: clientAddress(request.socket.remoteAddress, request.headers['x-forwarded-for']),
      setCookie,
    };
  }

  async function handleGraphQL(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    requestId: string,
    seen: { operationName?: string | undefined } = {},
  ) {
    let body: unknown = undefined;
    const rawBody = request.method === 'POST' ? await readBody(request, maxBodyBytes) : '';
    // Before anything else looks at the request (even JSON parsing): subgraphs answer only the gateway.
    const refusal = await options.guard?.({
      method: request.method ?? 'GET',
      body: rawBody,
      search: url.search,
      header: (name) => firstHeader(request.headers, name),
    });
    if (refusal) {
      logger.warn({ requestId, reason: refusal.reason ?? refusal.code, ip: request.socket.remoteAddress }, 'request refused');
      metrics.graphqlErrors.inc({ code: refusal.code });
      sendJson(response, refusal.status, { errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
      return;
    }
    if (options.eventStream && (firstHeader(request.headers, 'accept') ?? '').includes('text/event-stream')) {
      // Cookies (a renewed session) go on the stream's headers, which the handler sends before the first event.
      await options.eventStream(request, response, describeRequest(request, requestId, (cookie) => response.appendHeader('set-cookie', cookie)), rawBody);
      return;
    }
    if (request.method === 'POST') {
      const text = rawBody;
      const contentType = firstHeader(request.headers, 'content-type') ?? '';
      if (contentType.startsWith('application/json') || contentType.startsWith('application/graphql-response+json')) {
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          sendJson(response, 400, { errors: [{ message: 'Request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
          return;
        }
      } else {
        body = text;
      }
    }
    seen.operationName = callerOperationName(body, url.searchParams);
    const refused = refusedDocument(body, url.searchParams, { maxBytes: options.maxDocumentBytes, maxDirectives: options.maxDirectives });
    if (refused) {
      logger.info({ requestId, code: refused.extensions?.code }, refused.message);
      metrics.graphqlErrors.inc({ code: String(refused.extensions?.code) });
      sendJson(response, 400, { errors: [refused] });
      return;
    }
    const cookies: string[] = [];
    const info = describeRequest(request, requestId, (cookie) => cookies.push(cookie));
    const early = await options.earlyAnswer?.(info, { method: request.method ?? 'GET', body, searchParams: url.searchParams });
    if (early) {
      for (const [name, value] of Object.entries(early.headers)) response.setHeader(name, value);
      response.statusCode = 200;
      sendComplete(request, response, early.body, early.etag);
      return;
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const result = await runInRequestScope({ requestId, clientIp: info.ip }, () =>
      apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: request.method ?? 'GET', headers, search: url.search, body },
        context: () => options.context(info),
      }),
    );
    for (const [name, value] of result.headers) response.setHeader(name, value);
    if (cookies.length > 0) response.setHeader('set-cookie', cookies);
    response.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      sendComplete(request, response, result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
  }

  /** Ends a response whose status and headers are set, with an ETag (and 304) where enabled. */
  function sendComplete(request: IncomingMessage, response: ServerResponse, body: string | Uint8Array, knownEtag?: string): void {
    if (options.etag && request.method === 'GET' && response.statusCode === 200 && keepable(response.getHeader('cache-control') as string | undefined)) {
      const etag = knownEtag ?? `"${hash('sha256', body, 'base64url')}"`;
      response.setHeader('etag', etag);
      if (etagMatches(firstHeader(request.headers, 'if-none-match'), etag)) {
        response.statusCode = 304;
        response.removeHeader('content-type');
        response.end();
        return;
      }
    }
    response.end(body);
  }

  async function handleReady(response: ServerResponse) {
    // Stopping: out of the balancer's rotation first, while requests are still served.
    if (isDraining()) { sendJson(response, 503, { status: 'draining', checks: {} }); return; }
    const results = await Promise.all(
      readiness.map(async (probe) => {
        const outcome = await probe.check().catch(() => false);
        return { name: probe.name, ...(typeof outcome === 'boolean' ? { up: outcome } : outcome) };
      }),
    );
    const ok = results.every(({ up }) => up);
    const reasons = results.filter(({ up, reason }) => !up && reason);
    sendJson(response, ok ? 200 : 503, {
      status: ok ? 'ok' : 'unavailable',
      checks: Object.fromEntries(results.map(({ name, up }) => [name, up ? 'up' : 'down'])),
      ...(reasons.length > 0 ? { reasons: Object.fromEntries(reasons.map(({ name, reason }) => [name, reason])) } : {}),
    });
  }

  // The handler answers its own failures (the try/catch below sends a 500), so nothing awaits it.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  return http.createServer(async (request, response) => {
    const started = process.hrtime.bigint();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const incomingId = firstHeader(request.headers, 'x-request-id');
    const requestId = incomingId && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    response.setHeader('x-request-id', requestId);
    let route = 'other';
    const seen: { operationName?: string | undefined } = {};
    try {
      if (url.pathname === '/graphql' || url.pathname === '/') {
        route = 'graphql';
        if (applyCors(request, response)) return;
        await withServerSpan(service, { method: request.method ?? 'GET', path: url.pathname, headers: request.headers }, async (span) => {
          span.setAttribute('request.id', requestId);
          try {
            await handleGraphQL(request, response, url, requestId, seen);
          } finally {
            span.setAttribute('http.response.status_code', response.statusCode);
            if (seen.operationName) {
              span.setAttribute('graphql.operation.name', seen.operationName);
              span.updateName(`${request.method ?? 'GET'} ${url.pathname} ${seen.operationName}`);
            }
          }
        });
      } else if (url.pathname === '/health/live') {
        route = 'live';
        sendJson(response, 200, { status: 'ok' });
      } else if (url.pathname === '/health/ready') {
        route = 'ready';
        await handleReady(response);
      } else if (url.pathname === '/metrics') {
        route = 'metrics';
        const text = await metrics.registry.metrics();
        response.writeHead(200, { 'content-type': metrics.registry.contentType });
        response.end(text);
      } else {
        sendJson(response, 404, { error: 'not found' });
      }
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendJson(response, 413, {
          errors: [{ message: `Request body is larger than ${maxBodyBytes} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
        });
      } else {
        logger.error({ err: error, requestId }, 'request failed');
        if (!response.headersSent) {
          sendJson(response, 500, { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
        } else {
          response.end();
        }
      }
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequests.observe({ route, method: request.method ?? 'GET', status: String(response.statusCode) }, seconds);
      if (route === 'graphql') {
        // One line per GraphQL request, with the caller's operation name, in every tier.
        logger.info(
          { requestId, operationName: seen.operationName, method: request.method, status: response.statusCode, durationMs: Math.round(seconds * 1000) },
          'request completed',
        );
      }
    }
  });
}

/** Listens on `port` (0 picks a free one) and resolves once it accepts connections. */
export async function listen(server: http.Server, port: number, host = '0.0.0.0'): Promise<RunningServer> {
  // Keep-alive longer than typical load balancers' idle timeouts, so they close first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const close = gracefulCloser(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    port: address.port,
    url: `http://localhost:${address.port}/graphql`,
    close,
  };
}
