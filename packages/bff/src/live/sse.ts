import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestInfo } from '@storefront/http-server';
import type { ExecutionArgs, ExecutionResult, FormattedExecutionResult } from 'graphql';
import { GraphQLError } from 'graphql';
import { createHandler, type OperationArgs, type OperationResult, type Response } from 'graphql-sse';
import type { LiveConnections } from './connections.js';
import type { LiveContext } from './feed.js';
import type { LiveEvents, LiveMetrics } from './hub.js';
import type { LiveRequest } from './operation.js';

export interface LiveTransportOptions<Context extends LiveContext & { clientIp?: string | undefined }> {
  clientType: string;
  events: LiveEvents;
  connections: LiveConnections;
  metrics: LiveMetrics;
  maxBufferedBytes: number;
  /** The BFF's own per-request context (session, locale, gateway); throws a GraphQLError to refuse. */
  context: (request: RequestInfo) => Promise<Context>;
  /** Parses, checks and limits a subscribe request (see operation.ts). */
  prepare: (request: LiveRequest, context: Context) => ExecutionArgs | readonly GraphQLError[];
  /** Charges the request budget for a new subscription; throws RATE_LIMITED. */
  charge?: (caller: { userId?: string | undefined; ip: string }) => Promise<void>;
  mask: (result: ExecutionResult | FormattedExecutionResult) => FormattedExecutionResult;
}

const json = (status: number, errors: readonly GraphQLError[] | GraphQLError[], headers: Record<string, string> = {}) =>
  [
    JSON.stringify({ errors: errors.map((error) => ({ message: error.message, extensions: { code: error.extensions.code } })) }),
    { status, statusText: '', headers: { 'content-type': 'application/json; charset=utf-8', ...headers } },
  ] as const;

function codeOf(error: unknown): string | undefined {
  return error instanceof GraphQLError ? (error.extensions.code as string | undefined) : undefined;
}

/**
 * GraphQL over Server-Sent Events (the `graphql-sse` protocol, distinct connections mode) on
 * the HTTP front's /graphql: a POST with a JSON body and `Accept: text/event-stream`. The
 * request goes through the same session, CSRF (a JSON POST is never a "simple" request) and
 * CORS rules as queries; an expired access cookie is renewed on the response's headers before
 * the stream starts. The library does the protocol; this adapter (rather than graphql-sse's own
 * node:http one) is here because the HTTP front has already read the body under its size
 * limit, and because streams must be countable, droppable and closable without `complete`.
 */
export function liveSseHandler<Context extends LiveContext & { clientIp?: string | undefined }>(
  options: LiveTransportOptions<Context>,
) {
  interface Raw {
    response: ServerResponse;
    info: RequestInfo;
    release?: () => void;
  }
  // The library's own context slot is not used: the BFF's context travels in the execution arguments.
  const handler = createHandler<IncomingMessage, Raw>({
    // Authentication is the session cookie's, checked in onSubscribe; the stream token is only for single-connection mode, refused below.
    authenticate: () => '',
    onSubscribe: async (request, params): Promise<OperationArgs | OperationResult | Response> => {
      const raw = request.context;
      let context: Context;
      try {
        context = await options.context(raw.info);
      } catch (error) {
        if (error instanceof GraphQLError) return { data: null, ...options.mask({ errors: [error] }) } as OperationResult;
        throw error;
      }
      // Ended without a `complete` event on shutdown, so the client reconnects (to another instance).
      const connection = options.connections.openFromAddress(raw.info.ip, () => raw.response.end());
      if (connection instanceof GraphQLError) return json(429, [connection]);
      const refused = context.viewer ? connection.signIn(context.viewer.id) : undefined;
      if (refused) {
        connection.release();
        return json(429, [refused]);
      }
      raw.release = connection.release;
      try {
        await options.charge?.({ userId: context.viewer?.id, ip: raw.info.ip });
      } catch (error) {
        if (codeOf(error) === 'RATE_LIMITED') return json(429, [error as GraphQLError]);
        throw error;
      }
      context.live = {
        events: options.events,
        connection: {
          buffered: () => raw.response.writableLength,
          maxBufferedBytes: options.maxBufferedBytes,
          drop: () => raw.response.destroy(),
          delivered: () => options.metrics.delivered.inc(),
          dropped: (reason) => options.metrics.dropped.inc({ client: options.clientType, reason }),
        },
      };
      const prepared = options.prepare(params, context);
      // `data: null` is how graphql-sse tells a result from execution arguments.
      if (Array.isArray(prepared))
        return { data: null, ...options.mask({ errors: prepared as GraphQLError[] }) } as OperationResult;
      return prepared as unknown as OperationArgs;
    },
    onNext: (_context, _request, result) => options.mask(result as ExecutionResult) as ExecutionResult,
  });

  return async (request: IncomingMessage, response: ServerResponse, info: RequestInfo, body: string): Promise<void> => {
    const raw: Raw = { response, info };
    const send = (status: number, error: GraphQLError, headers: Record<string, string> = {}) => {
      const [text, init] = json(status, [error], headers);
      response.writeHead(init.status, init.headers);
      response.end(text);
    };
    if (request.method !== 'POST') {
      send(
        405,
        new GraphQLError('Subscribe with a POST (JSON body, Accept: text/event-stream).', {
          extensions: { code: 'BAD_REQUEST' },
        }),
        { allow: 'POST' },
      );
      return;
    }
    if (request.headers['x-graphql-event-stream-token'] !== undefined) {
      send(
        400,
        new GraphQLError('Single-connection mode is not served: open one stream per subscription.', {
          extensions: { code: 'BAD_REQUEST' },
        }),
      );
      return;
    }
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
      send(
        415,
        new GraphQLError('A subscription is a JSON POST (Content-Type: application/json).', {
          extensions: { code: 'BAD_REQUEST' },
        }),
      );
      return;
    }
    const subscribers = options.metrics.subscriptions;
    let streaming = false;
    try {
      const [stream, init] = await handler({
        method: 'POST',
        url: request.url ?? '/graphql',
        headers: { get: (name) => [request.headers[name]].flat().join(', ') || undefined },
        body,
        raw: request,
        context: raw,
      });
      response.writeHead(init.status, init.statusText, init.headers);
      if (!stream || typeof stream === 'string') {
        response.end(stream ?? undefined);
        return;
      }
      streaming = true;
      subscribers.inc();
      response.once('close', () => void stream.return(undefined));
      // Written without waiting for the socket: a slow client's backlog grows in writableLength, which the feed watches.
      for await (const chunk of stream) {
        if (response.destroyed || response.writableEnded) break;
        response.write(chunk);
      }
      if (!response.destroyed && !response.writableEnded) response.end();
    } finally {
      raw.release?.();
      if (streaming) subscribers.dec();
    }
  };
}
