import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import {
  clientAddressResolver,
  type IncomingGraphQLRequest,
  type RequestRefusal,
  type TrustProxy,
} from '@storefront/request-identity';
import type { Logger } from 'pino';
import { applyCors, type CorsOptions } from './cors.js';
import { sendComplete } from './etag.js';
import { answerReadiness, type ReadinessCheck } from './health.js';
import { refusedDocument } from './limits/refused-document.js';
import type { ServiceMetrics } from './metrics.js';
import { BodyTooLargeError, firstHeader, readBody, sendJson } from './request-body.js';
import { callerOperationName, withServerSpan } from './tracing.js';

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

export interface GraphQLHttpServerOptions<Context extends BaseContext, Admitted = never> {
  apollo: ApolloServer<Context>;
  /** Builds the context; `admitted` is what `earlyAnswer` learnt about this request when it let Apollo answer. */
  context: (request: RequestInfo, admitted: Admitted | undefined) => Promise<Context>;
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
   * the body is read and checked; `{ admitted }` lets Apollo answer and hands what the early
   * look learnt (e.g. who the caller is) to the context function.
   */
  earlyAnswer?: (request: RequestInfo, graphql: GraphQLHttpRequest) => Promise<EarlyOutcome<Admitted>>;
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

/** What an early look decided: the answer to send, or what the context should know (Apollo answers). */
export type EarlyOutcome<Admitted> = { answer: EarlyAnswer } | { admitted: Admitted };

/** A complete 200 answer: its headers and the exact body (UTF-8 bytes, or text). */
export interface EarlyAnswer {
  headers: Record<string, string>;
  body: string | Uint8Array;
  /** The body's strong ETag when already known (`"<base64url sha256>"`). */
  etag?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The HTTP front of every server: GraphQL at /graphql (Apollo Server), liveness and
 * readiness at /health/*, Prometheus text at /metrics. Plain node:http keeps the hot path
 * short; each request gets an id (the caller's `x-request-id` when well-formed) that is
 * echoed back and passed to the context for logs and downstream calls.
 */
export function createGraphQLHttpServer<Context extends BaseContext, Admitted = never>(
  options: GraphQLHttpServerOptions<Context, Admitted>,
): http.Server {
  const { apollo, logger, metrics } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 1_000_000;
  const readiness = options.readiness ?? [];
  const allowedOrigins = new Set(options.cors?.origins ?? []);
  const clientAddress = clientAddressResolver(options.trustProxy);
  // Spans are named after the service (the logger's `service`), one tracer per tier.
  const service = (logger.bindings() as { service?: string }).service ?? 'graphql';

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
      await options.eventStream(
        request,
        response,
        describeRequest(request, requestId, (cookie) => response.appendHeader('set-cookie', cookie)),
        rawBody,
      );
      return;
    }
    if (request.method === 'POST') {
      const text = rawBody;
      const contentType = firstHeader(request.headers, 'content-type') ?? '';
      if (contentType.startsWith('application/json') || contentType.startsWith('application/graphql-response+json')) {
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          sendJson(response, 400, {
            errors: [{ message: 'Request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }],
          });
          return;
        }
      } else {
        body = text;
      }
    }
    seen.operationName = callerOperationName(body, url.searchParams);
    const refused = refusedDocument(body, url.searchParams, {
      maxBytes: options.maxDocumentBytes,
      maxDirectives: options.maxDirectives,
    });
    if (refused) {
      logger.info({ requestId, code: refused.extensions?.code }, refused.message);
      metrics.graphqlErrors.inc({ code: String(refused.extensions?.code) });
      sendJson(response, 400, { errors: [refused] });
      return;
    }
    const cookies: string[] = [];
    const info = describeRequest(request, requestId, (cookie) => cookies.push(cookie));
    const early = await options.earlyAnswer?.(info, { method: request.method ?? 'GET', body, searchParams: url.searchParams });
    if (early && 'answer' in early) {
      for (const [name, value] of Object.entries(early.answer.headers)) response.setHeader(name, value);
      response.statusCode = 200;
      sendComplete(request, response, early.answer.body, { etag: options.etag, knownEtag: early.answer.etag });
      return;
    }
    const admitted = early?.admitted;
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method ?? 'GET', headers, search: url.search, body },
      context: () => options.context(info, admitted),
    });
    for (const [name, value] of result.headers) response.setHeader(name, value);
    if (cookies.length > 0) response.setHeader('set-cookie', cookies);
    response.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      sendComplete(request, response, result.body.string, { etag: options.etag });
      return;
    }
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
  }

  const handleRequest = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
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
        if (applyCors(request, response, allowedOrigins)) return;
        await withServerSpan(
          service,
          { method: request.method ?? 'GET', path: url.pathname, headers: request.headers },
          async (span) => {
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
          },
        );
      } else if (url.pathname === '/health/live') {
        route = 'live';
        sendJson(response, 200, { status: 'ok' });
      } else if (url.pathname === '/health/ready') {
        route = 'ready';
        await answerReadiness(response, readiness);
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
          sendJson(response, 500, {
            errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
          });
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
          {
            requestId,
            operationName: seen.operationName,
            method: request.method,
            status: response.statusCode,
            durationMs: Math.round(seconds * 1000),
          },
          'request completed',
        );
      }
    }
  };

  // node:http does not await its listener; handleRequest answers its own failures (the 500 above).
  return http.createServer((request, response) => {
    void handleRequest(request, response);
  });
}
