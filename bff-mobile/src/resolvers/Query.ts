import { readRoot, signedInAccount, tags } from '@storefront/bff';
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type { QueryResolvers } from '../generated/graphql.js';
import { ReadMyOrdersDocument, ReadProductDocument, ReadProductsDocument } from '../gateway.js';
import { tagOrders, tagProducts } from '../tags.js';

/** Largest page the app may ask for. */
const MAX_PAGE_SIZE = 50;

function checkPageSize(first: number): void {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new GraphQLError(`first must be between 1 and ${MAX_PAGE_SIZE}.`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
}

/** Narrows this field's cache hint to the signed-in user (Apollo's cache-control plugin puts `cacheControl` on info). */
function cachePerUser(info: GraphQLResolveInfo): void {
  (info as GraphQLResolveInfo & { cacheControl?: { setCacheHint(hint: { scope: 'PRIVATE' }): void } }).cacheControl?.setCacheHint(
    {
      scope: 'PRIVATE',
    },
  );
}

export const Query: QueryResolvers = {
  products: async (_parent, { categoryId, search, first, after }, context) => {
    checkPageSize(first);
    context.cacheTags.add(tags.listings);
    const page = await readRoot(context.batch, ReadProductsDocument, {
      filter: { ...(categoryId != null ? { categoryId } : {}), ...(search != null ? { search } : {}) },
      first,
      after: after ?? null,
    });
    tagProducts(context, page.nodes);
    return page;
  },

  product: async (_parent, { id }, context) => {
    const product = await readRoot(context.batch, ReadProductDocument, { id });
    // Tagged even when missing, so creating it later is seen at once.
    context.cacheTags.add(tags.product(id));
    tagProducts(context, [product]);
    return product;
  },

  home: (_parent, _args, { viewer }, info) => {
    // Signed in, the screen carries the user's orders: cached for them only.
    if (viewer) cachePerUser(info);
    return {};
  },

  myOrders: async (_parent, { first, after }, context) => {
    checkPageSize(first);
    const { orders } = signedInAccount(await readRoot(context.batch, ReadMyOrdersDocument, { first, after: after ?? null }));
    tagOrders(context, orders.nodes);
    return orders;
  },
};
