import { readRoot, signedInAccount, tags } from '@storefront/bff';
import type { HomeResolvers } from '../generated/graphql.js';
import { ReadCategoriesDocument, ReadFeaturedDocument, ReadRecentOrdersDocument } from '../gateway.js';
import { tagOrders, tagProducts } from '../tags.js';

const FEATURED_COUNT = 8;
const RECENT_ORDERS_COUNT = 3;

// The three fields resolve in the same tick: the whole screen is one gateway call.
export const Home: HomeResolvers = {
  featured: async (_home, _args, context) => {
    context.cacheTags.add(tags.listings);
    const page = await readRoot(context.batch, ReadFeaturedDocument, { first: FEATURED_COUNT });
    tagProducts(context, page.nodes);
    return page.nodes;
  },

  categories: async (_home, _args, context) => {
    context.cacheTags.add(tags.categories);
    return readRoot(context.batch, ReadCategoriesDocument);
  },

  recentOrders: async (_home, _args, context) => {
    if (!context.viewer) return [];
    const me = signedInAccount(await readRoot(context.batch, ReadRecentOrdersDocument, { first: RECENT_ORDERS_COUNT }));
    const orders = me.orders.nodes;
    tagOrders(context, orders);
    return orders;
  },
};
