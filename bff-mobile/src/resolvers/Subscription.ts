import { forbiddenError, liveFeed, livePayload, unauthenticatedError } from '@storefront/bff';
import type { Envelope } from '@storefront/events';
import { orderEvents } from '@storefront/orders-events';
import { GraphQLError } from 'graphql';
import type { MobileContext } from '../context.js';
import type { SubscriptionOrderUpdatedArgs, SubscriptionResolvers } from '../generated/graphql.js';
import { LiveOpenOrdersDocument, LiveOrderDocument, type GatewayOrderSummary } from '../gateway.js';

const OPEN_ORDERS_SENT_FIRST = 20;

const payloadField = (event: Envelope, name: string): unknown => (event.payload as Record<string, unknown> | null)?.[name];

function signedIn(context: MobileContext) {
  if (!context.viewer) throw unauthenticatedError();
  return context.viewer;
}

/** One order through the gateway with the subscriber's own token (the orders subgraph checks it too). */
async function readOrder(context: MobileContext, id: string): Promise<GatewayOrderSummary> {
  const { order } = await context.gateway.request(
    LiveOrderDocument,
    { id },
    {
      requestId: context.requestId,
      clientIp: undefined,
      accessToken: context.accessToken,
    },
  );
  if (!order) throw new GraphQLError('This order was not found.', { extensions: { code: 'NOT_FOUND' } });
  return order;
}

/** Only the buyer follows an order on mobile (there is no admin app). */
const buyerOnly = (context: MobileContext) => (order: GatewayOrderSummary) =>
  order.buyer.id === context.viewer?.id ? undefined : forbiddenError('This order is not yours.');

export const Subscription: SubscriptionResolvers = {
  orderUpdated: {
    subscribe: async (_parent: unknown, { id }: SubscriptionOrderUpdatedArgs, context: MobileContext) => {
      signedIn(context);
      return liveFeed<GatewayOrderSummary>({
        context,
        concerns: (event) => orderEvents.has(event.type) && payloadField(event, 'orderId') === id,
        read: async () => [await readOrder(context, id)],
        key: (order) => order.id,
        authorize: buyerOnly(context),
      });
    },
    resolve: (payload: unknown) => livePayload<GatewayOrderSummary>(payload),
  },

  myOrderUpdated: {
    subscribe: async (_parent: unknown, _args: unknown, context: MobileContext) => {
      const viewer = signedIn(context);
      return liveFeed<GatewayOrderSummary>({
        context,
        concerns: (event) => orderEvents.has(event.type) && payloadField(event, 'buyerId') === viewer.id,
        read: async (event) => {
          if (event) return [await readOrder(context, String(payloadField(event, 'orderId')))];
          const { me } = await context.gateway.request(
            LiveOpenOrdersDocument,
            {},
            {
              requestId: context.requestId,
              clientIp: undefined,
              accessToken: context.accessToken,
            },
          );
          if (!me) throw unauthenticatedError();
          return me.orders.nodes
            .filter((order) => order.status === 'PENDING' || order.status === 'CONFIRMED')
            .slice(0, OPEN_ORDERS_SENT_FIRST);
        },
        key: (order) => order.id,
        authorize: buyerOnly(context),
      });
    },
    resolve: (payload: unknown) => livePayload<GatewayOrderSummary>(payload),
  },
};
