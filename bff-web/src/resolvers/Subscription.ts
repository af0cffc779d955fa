import { forbiddenError, liveFeed, livePayload, SharedReads, unauthenticatedError } from '@storefront/bff';
import type { Envelope } from '@storefront/events';
import { orderEvents } from '@storefront/orders-events';
import { GraphQLError } from 'graphql';
import type {
  SubscriptionOrderUpdatedArgs,
  SubscriptionProductUpdatedArgs,
  SubscriptionResolvers,
} from '../generated/graphql.js';
import { LiveOrderDocument, LiveProductDocument, type GatewayOrder, type GatewayProduct } from '../gateway.js';
import type { WebContext } from '../context.js';

/** Product reads are public: one per product and event for every follower on this instance. */
const productReads = new SharedReads();

const notFound = (what: string) => new GraphQLError(`${what} was not found.`, { extensions: { code: 'NOT_FOUND' } });
const payloadField = (event: Envelope, name: string): unknown => (event.payload as Record<string, unknown> | null)?.[name];

export const Subscription: SubscriptionResolvers = {
  orderUpdated: {
    subscribe: async (_parent: unknown, { id }: SubscriptionOrderUpdatedArgs, context: WebContext) => {
      if (!context.viewer) throw unauthenticatedError();
      return liveFeed<GatewayOrder>({
        context,
        concerns: (event) => orderEvents.has(event.type) && payloadField(event, 'orderId') === id,
        // Read with the subscriber's own token: the orders subgraph checks who may see the order too.
        read: async () => {
          const { order } = await context.gateway.request(
            LiveOrderDocument,
            { id },
            {
              requestId: context.requestId,
              clientIp: undefined,
              accessToken: context.accessToken,
            },
          );
          if (!order) throw notFound('This order');
          return [order];
        },
        key: (order) => order.id,
        // The order's own changes: its lines' products change on their own (productUpdated follows those).
        fingerprint: ({ items, ...order }) =>
          JSON.stringify({ ...order, items: items.map(({ product, ...line }) => ({ ...line, productId: product?.id })) }),
        authorize: (order) =>
          context.viewer?.role === 'ADMIN' || order.buyer.id === context.viewer?.id
            ? undefined
            : forbiddenError('This order is not yours.'),
      });
    },
    resolve: (payload: unknown) => livePayload<GatewayOrder>(payload),
  },

  productUpdated: {
    subscribe: (_parent: unknown, { id }: SubscriptionProductUpdatedArgs, context: WebContext) =>
      liveFeed<GatewayProduct>({
        context,
        concerns: (event) => event.type === 'ProductChanged' && payloadField(event, 'productId') === id,
        // Every change is read again: an event carries the stock, not the price or the rest of the page.
        read: async (event) => {
          const { product } = await productReads.read(`${id}:${event?.id ?? 'now'}`, () =>
            context.gateway.request(LiveProductDocument, { id }, { requestId: context.requestId, clientIp: undefined }),
          );
          if (!product) throw notFound('This product');
          return [product];
        },
        key: (product) => product.id,
      }),
    resolve: (payload: unknown) => livePayload<GatewayProduct>(payload),
  },
};
