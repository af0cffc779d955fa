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

/** A sign-in under the attempt limits of its account and of the client's address: only failures count. */
async function limited(context: Context, email: string, run: () => Promise<AuthResult>) {
  const result = await context.loginAttempts.attempt(email, context.clientIp, run, (outcome) => outcome.ok);
  return payload(result, context);
}

export const Mutation: MutationResolvers = {
  signUp: (_parent, { input }, context) => limited(context, input.email, () => context.users.signUp(input)),
  logIn: (_parent, { email, password }, context) => limited(context, email, () => context.users.logIn(email, password)),
  refreshSession: async (_parent, { refreshToken }, context) => payload(await context.users.refresh(refreshToken), context),
  logOut: (_parent, { refreshToken }, { users }) => users.logOut(refreshToken),
};
