import { readRoot, signedInAccount } from '@storefront/bff';
import type { ViewerResolvers } from '../generated/graphql.js';
import { ReadMyOrdersDocument } from '../gateway.js';
import { tagOrder } from '../tags.js';

export const Viewer: ViewerResolvers = {
  orders: async (_viewer, { first, after }, context) => {
    const me = signedInAccount(await readRoot(context.batch, ReadMyOrdersDocument, { first, after: after ?? null }));
    for (const edge of me.orders.edges) tagOrder(context, edge.node);
    return me.orders;
  },
};
