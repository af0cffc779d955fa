import type { QueryResolvers } from '../generated/graphql.js';

export const Query: QueryResolvers = {
  me: (_parent, _args, { viewer, loaders }) => (viewer ? loaders.userById.load(viewer.id) : null),
  user: (_parent, { id }, { viewer, loaders, users }) => users.userFor(viewer, id, loaders),
};
