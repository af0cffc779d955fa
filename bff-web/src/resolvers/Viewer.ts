import { readRoot, signedInAccount } from '@storefront/bff';
import type { ViewerResolvers } from '../generated/graphql.js';
import { ORDER, connectionOf, type GatewayConnection, type GatewayOrder } from '../gateway.js';
import { tagOrder } from '../tags.js';

export const Viewer: ViewerResolvers = {
  orders: async (_viewer, { first, after }, context) => {
    const me = signedInAccount(await readRoot<{ orders: GatewayConnection<GatewayOrder> } | null>(context.batch, {
      field: 'me',
      selection: `orders(first: $first, after: $after) { ${connectionOf(ORDER)} }`,
      variables: { first: ['Int', first], after: ['String', after ?? null] },
    }));
    for (const edge of me.orders.edges) tagOrder(context, edge.node);
    return me.orders;
  },
};
