import type { MutationResolvers } from '../generated/graphql.js';
import { orCatalogUnavailable, orderPayload } from './payload.js';

export const Mutation: MutationResolvers = {
  placeOrder: async (_parent, { input, idempotencyKey }, { viewer, authorization, requestId, orders }) =>
    orderPayload(
      await orCatalogUnavailable(() => orders.placeOrder(viewer, input, idempotencyKey, { authorization, requestId })),
    ),
  cancelOrder: async (_parent, { id }, { viewer, requestId, orders }) =>
    orderPayload(await orders.cancelOrder(viewer, id, requestId)),
};
