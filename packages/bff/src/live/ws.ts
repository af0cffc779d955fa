import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RequestInfo } from '@storefront/http-server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { LiveContext } from './feed.js';
import type { LiveTransportOptions } from './sse.js';

export interface LiveWebSocketOptions<
  Context extends LiveContext & { clientIp?: string | undefined },
> extends LiveTransportOptions<Context> {
  /** The upgrade request as the context function sees requests, with the init payload's `authorization`. */
  describe: (request: IncomingMessage, authorization: string | undefined) => RequestInfo;
  keepAliveMs: number;
  subscriptionsPerConnection: number;
  /** Largest message a client may send, in bytes. */
  maxMessageBytes: number;
}

/** Closes that tell a graphql-ws client what to do: 4401 is final (refresh, then reconnect); 1013 means try again later. */
const TRY_AGAIN_LATER = 1013;

interface SocketState<Context> {
  release(): void;
  signIn(userId: string): GraphQLError | undefined;
  context?: Context;
}

/**
 * GraphQL over WebSocket (`graphql-transport-ws`, the graphql-ws library on `ws`) on the
 * server's /graphql. The bearer token comes in the init payload (`{ authorization: "Bearer …" }`):
 * missing, invalid or expired, the connection closes with 4401, which graphql-ws clients treat
 * as final so the app refreshes its token first. Labels follow the upgrade request's
 * Accept-Language. Documents go through the same gates as queries (prepare), persisted ones by
 * hash. On shutdown every socket closes with 1001, so clients reconnect to another instance.
 */
export function attachLiveWebSockets<Context extends LiveContext & { clientIp?: string | undefined }>(
  server: Server,
  options: LiveWebSocketOptions<Context>,
) {
  const sockets = new WeakMap<WebSocket, SocketState<Context>>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes });
  const closeWith = (socket: WebSocket, code: number, reason: string) => socket.close(code, reason);

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== '/graphql' && path !== '/') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const ip = options.describe(request, undefined).ip;
    wss.handleUpgrade(request, socket, head, (ws) => {
      const opened = options.connections.openFromAddress(ip, () => closeWith(ws, 1001, 'Going away'));
      if (opened instanceof GraphQLError) {
        closeWith(ws, TRY_AGAIN_LATER, opened.message);
        return;
      }
      sockets.set(ws, opened);
      ws.once('close', () => opened.release());
      wss.emit('connection', ws, request);
    });
  };
  server.on('upgrade', onUpgrade);

  const formatted = (errors: readonly GraphQLError[]): GraphQLFormattedError[] => [
    ...(options.mask({ errors: [...errors] }).errors ?? []),
  ];

  const disposable = useServer<{ authorization?: unknown }>(
    {
      isProd: true, // error details are masked by `mask`, in every environment that asks for it
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        const state = sockets.get(socket);
        if (!state) return false;
        const authorization = ctx.connectionParams?.authorization;
        if (typeof authorization !== 'string' || authorization === '') {
          closeWith(
            socket,
            CloseCode.Unauthorized,
            'Unauthorized: send { "authorization": "Bearer <access token>" } in connection_init',
          );
          return false;
        }
        let context: Context;
        try {
          context = await options.context(options.describe(request, authorization));
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          closeWith(
            socket,
            error.extensions.code === 'UNAUTHENTICATED' ? CloseCode.Unauthorized : CloseCode.Forbidden,
            error.message.slice(0, 120),
          );
          return false;
        }
        if (!context.viewer) {
          closeWith(socket, CloseCode.Unauthorized, 'Unauthorized: the access token is missing, invalid or expired');
          return false;
        }
        const refused = state.signIn(context.viewer.id);
        if (refused) {
          closeWith(socket, TRY_AGAIN_LATER, refused.message);
          return false;
        }
        context.live = {
          events: options.events,
          connection: {
            buffered: () => socket.bufferedAmount,
            maxBufferedBytes: options.maxBufferedBytes,
            drop: (reason) => closeWith(socket, TRY_AGAIN_LATER, reason),
            delivered: () => options.metrics.delivered.inc(),
            dropped: (reason) => options.metrics.dropped.inc({ client: options.clientType, reason }),
          },
        };
        state.context = context;
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const state = sockets.get(ctx.extra.socket);
        const context = state?.context;
        if (!context)
          return [new GraphQLError('The connection is not initialised.', { extensions: { code: 'UNAUTHENTICATED' } })];
        // graphql-ws has already reserved this subscription's id among them.
        const active = Object.keys(ctx.subscriptions).length;
        if (options.subscriptionsPerConnection > 0 && active > options.subscriptionsPerConnection) {
          options.metrics.dropped.inc({ client: options.clientType, reason: 'subscription_limit' });
          return [
            new GraphQLError(`At most ${options.subscriptionsPerConnection} subscriptions at once on one connection.`, {
              extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
            }),
          ];
        }
        try {
          await options.charge?.({ userId: context.viewer?.id, ip: context.clientIp ?? 'unknown' });
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        return options.prepare(payload, context);
      },
      onNext: (_ctx, _id, _payload, _args, result) => options.mask(result),
      onError: (_ctx, _id, _payload, errors) => formatted(errors),
      onOperation: () => {
        options.metrics.subscriptions.inc();
      },
      onComplete: () => {
        options.metrics.subscriptions.dec();
      },
    },
    wss,
    options.keepAliveMs,
  );

  return {
    /** Closes every socket with 1001 (going away) and stops accepting new ones. */
    async close(): Promise<void> {
      server.off('upgrade', onUpgrade);
      await disposable.dispose();
    },
  };
}
