import type { Context } from '../context.js';
import type { MutationResolvers, ResolversTypes } from '../generated/graphql.js';
import type { AuthResult } from '../service.js';

/**
 * On success the rest of this response is resolved as the user who just signed in, so the
 * payload's `user { email }` is visible to them although the request carried no token.
 */
function payload(result: AuthResult, context: Context): ResolversTypes['AuthPayload'] {
  if (!result.ok) return { user: null, session: null, userErrors: result.errors };
  context.viewer = { id: result.user.id, role: result.user.role };
  return { user: result.user, session: result.session, userErrors: [] };
}

export const Mutation: MutationResolvers = {
  signUp: async (_parent, { input }, context) => payload(await context.users.signUp(input), context),
  logIn: async (_parent, { email, password }, context) => payload(await context.users.logIn(email, password), context),
  refreshSession: async (_parent, { refreshToken }, context) => payload(await context.users.refresh(refreshToken), context),
  logOut: (_parent, { refreshToken }, { users }) => users.logOut(refreshToken),
};
