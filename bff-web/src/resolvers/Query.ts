import { readRoot } from '@storefront/bff';
import { GraphQLError } from 'graphql';
import type { QueryResolvers } from '../generated/graphql.js';
import {
  ORDER,
  PRODUCT,
  VIEWER,
  connectionOf,
  type GatewayCategory,
  type GatewayConnection,
  type GatewayOrder,
  type GatewayProduct,
  type GatewayViewer,
} from '../gateway.js';
import { tagOrder, tagProducts } from '../tags.js';

export const Query: QueryResolvers = {
  viewer: (_parent, _args, { viewer, batch }) =>
    viewer ? readRoot<GatewayViewer | null>(batch, { field: 'me', selection: VIEWER }) : null,

  categories: async (_parent, _args, context) => {
    context.cacheTags.add('categories');
    return readRoot<GatewayCategory[]>(context.batch, { field: 'categories', selection: 'id slug name productCount' });
  },

  catalog: async (_parent, { category, search, first, after }, context) => {
    context.cacheTags.add('catalog');
    const connection = await readRoot<GatewayConnection<GatewayProduct>>(context.batch, {
      field: 'products',
      args: {
        filter: ['ProductFilter', { ...(category ? { categorySlug: category } : {}), ...(search ? { search } : {}) }],
        first: ['Int', first],
        after: ['String', after ?? null],
      },
      selection: connectionOf(PRODUCT),
    });
    tagProducts(context, connection.edges.map((edge) => edge.node));
    return connection;
  },

  product: async (_parent, { slug, id }, context) => {
    if ((slug == null) === (id == null)) {
      throw new GraphQLError('Give exactly one of slug and id.', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    const product = await readRoot<GatewayProduct | null>(context.batch, {
      field: 'product',
      args: slug != null ? { slug: ['String', slug] } : { id: ['ID', id] },
      selection: PRODUCT,
    });
    tagProducts(context, [product]);
    return product;
  },

  order: async (_parent, { id }, context) => {
    const order = await readRoot<GatewayOrder | null>(context.batch, { field: 'order', args: { id: ['ID!', id] }, selection: ORDER });
    tagOrder(context, order);
    return order;
  },
};
