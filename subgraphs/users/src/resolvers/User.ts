import { forbidden, isUuid } from '@storefront/resolver-kit';
import type { UserResolvers } from '../generated/graphql.js';

export const User: UserResolvers = {
  __resolveReference: ({ id }, { loaders }) => (isUuid(id) ? loaders.userById.load(id) : null),
  email: (user, _args, { viewer, users }) => {
    if (!users.canSeeEmail(viewer, user)) throw forbidden("You cannot see another user's email.");
    return user.email;
  },
};
