import { GraphQLError } from 'graphql';
import { allow, deny, rule, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';

export { allow, deny };

/** What authorization rules read from a BFF's context. */
export interface AuthorizationContext {
  viewer?: { id: string; role: 'CUSTOMER' | 'ADMIN' } | undefined;
}

/**
 * `httpStatus` 401 is for refusing a whole request (a broken or expired token), so clients
 * know to sign in again; a field-level denial stays HTTP 200 with partial data.
 */
export function unauthenticatedError(message = 'You must be signed in.', httpStatus?: 401): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'UNAUTHENTICATED', ...(httpStatus ? { http: { status: httpStatus } } : {}) },
  });
}

export function forbiddenError(message = 'You are not allowed to do this.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

/** Signed in, any role. */
export const isSignedIn = rule({ cache: 'contextual' })((_parent, _args, context: AuthorizationContext) =>
  context.viewer ? true : unauthenticatedError(),
);

/** Signed in as an admin. */
export const isAdmin = rule({ cache: 'contextual' })((_parent, _args, context: AuthorizationContext) => {
  if (!context.viewer) return unauthenticatedError();
  return context.viewer.role === 'ADMIN' ? true : forbiddenError('Only administrators can do this.');
});

/**
 * Applies `rules` with deny by default: a field without a rule is refused, so a new field
 * stays private until someone decides who may read it. Denials carry UNAUTHENTICATED or
 * FORBIDDEN and a plain message; errors thrown by resolvers pass through unchanged.
 */
export function authorization(rules: IRules) {
  return shield(rules, {
    fallbackRule: deny,
    allowExternalErrors: true,
    fallbackError: () => forbiddenError(),
  });
}
