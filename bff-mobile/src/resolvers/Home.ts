import { readRoot, signedInAccount } from '@storefront/bff';
import type { HomeResolvers } from '../generated/graphql.js';
import { CATEGORY, ORDER_SUMMARY, PRODUCT_TILE, pageOf, type GatewayCategory, type GatewayOrderSummary, type GatewayPage, type GatewayProductTile } from '../gateway.js';
import { tagOrders, tagProducts } from '../tags.js';

export const FEATURED_COUNT = 8;
export const RECENT_ORDERS_COUNT = 3;

// The three fields resolve in the same tick: the whole screen is one gateway call.
export const Home: HomeResolvers = {
  featured: async (_home, _args, context) => {
    context.cacheTags.add('catalog');
    const page = await readRoot<GatewayPage<GatewayProductTile>>(context.batch, {
      field: 'products',
      args: { filter: ['ProductFilter', { inStock: true }], first: ['Int', FEATURED_COUNT] },
      selection: pageOf(PRODUCT_TILE),
    });
    tagProducts(context, page.nodes);
    return page.nodes;
  },

  categories: async (_home, _args, context) => {
    context.cacheTags.add('categories');
    return readRoot<GatewayCategory[]>(context.batch, { field: 'categories', selection: CATEGORY });
  },

  recentOrders: async (_home, _args, context) => {
    if (!context.viewer) return [];
    const me = signedInAccount(
      await readRoot<{ orders: GatewayPage<GatewayOrderSummary> } | null>(context.batch, {
        field: 'me',
        selection: `orders(first: $first) { nodes { ${ORDER_SUMMARY} } }`,
        variables: { first: ['Int', RECENT_ORDERS_COUNT] },
      }),
    );
    const orders = me.orders.nodes;
    tagOrders(context, orders);
    return orders;
  },
};
