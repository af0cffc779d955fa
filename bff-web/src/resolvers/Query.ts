import { readRoot, tags } from '@storefront/bff';
import { GraphQLError } from 'graphql';
import type { QueryResolvers } from '../generated/graphql.js';
import {
  ReadCatalogDocument,
  ReadCategoriesDocument,
  ReadOrderDocument,
  ReadProductDocument,
  ReadViewerDocument,
  type ReadProductQueryVariables,
} from '../gateway.js';
import { tagOrder, tagProducts } from '../tags.js';

export const Query: QueryResolvers = {
  viewer: (_parent, _args, { viewer, batch }) => (viewer ? readRoot(batch, ReadViewerDocument) : null),

  categories: async (_parent, _args, context) => {
    context.cacheTags.add(tags.categories);
    return readRoot(context.batch, ReadCategoriesDocument);
  },

  catalog: async (_parent, { category, search, first, after }, context) => {
    context.cacheTags.add(tags.listings);
    const connection = await readRoot(context.batch, ReadCatalogDocument, {
      filter: { ...(category ? { categorySlug: category } : {}), ...(search ? { search } : {}) },
      first,
      after: after ?? null,
    });
    tagProducts(
      context,
      connection.edges.map((edge) => edge.node),
    );
    return connection;
  },

  product: async (_parent, { slug, id }, context) => {
    if ((slug == null) === (id == null)) {
      throw new GraphQLError('Give exactly one of slug and id.', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    const by: ReadProductQueryVariables = slug != null ? { slug } : { id };
    const product = await readRoot(context.batch, ReadProductDocument, by);
    tagProducts(context, [product]);
    return product;
  },

  order: async (_parent, { id }, context) => {
    const order = await readRoot(context.batch, ReadOrderDocument, { id });
    tagOrder(context, order);
    return order;
  },
};
