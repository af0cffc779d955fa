import { GraphQLError, OperationTypeNode } from 'graphql';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

/** A subscription sent as an ordinary request would otherwise run as a query and answer null; it gets a clear 400. */
export function plainHttpSubscriptionRefusal<Context extends BaseContext>(
  transport: 'sse' | 'websocket' | undefined,
): ApolloServerPlugin<Context> {
  const how =
    transport === 'sse'
      ? 'Subscribe over Server-Sent Events: POST with Accept: text/event-stream (the graphql-sse protocol).'
      : transport === 'websocket'
        ? 'Subscribe over a WebSocket on this URL (the graphql-transport-ws protocol).'
        : 'This server does not serve subscriptions.';
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== OperationTypeNode.SUBSCRIPTION) return;
          throw new GraphQLError(`A subscription cannot be sent as a plain HTTP request. ${how}`, {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        },
      };
    },
  };
}

/** Every answer, cached or not, says which request headers it varies by. */
export function varyPlugin<Context extends BaseContext>(vary: string): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          response.http.headers.set('vary', vary);
        },
      };
    },
  };
}
