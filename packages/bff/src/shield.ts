import { GraphQLError, isIntrospectionType, isObjectType, type GraphQLSchema } from 'graphql';
import { middleware, type IMiddlewareFieldMap, type IMiddlewareTypeMap } from 'graphql-middleware';
import { allow, deny, rule, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';

/** A rule or a logic rule (graphql-shield does not export the union). */
type ShieldRule = Extract<IRules, { resolve: unknown }>;

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
 *
 * graphql-shield wraps every field in an async middleware, `allow` included: each field of
 * each list item then resolves through a chain of promises, which was the largest single
 * item of a BFF cache miss (a catalog page has hundreds of public fields). A field whose rule
 * is `allow` has nothing to check, so it keeps its own resolver; every other field goes
 * through shield exactly as before.
 */
export function authorization(rules: IRules) {
  const shielded = shield(rules, {
    fallbackRule: deny,
    allowExternalErrors: true,
    fallbackError: () => forbiddenError(),
  });
  return middleware((schema) => withoutAllowedFields(shielded.generate(schema) as IMiddlewareTypeMap, schema, rules));
}

/** Shield's middleware without the fields whose rule is `allow` (found as shield finds a field's rule). */
function withoutAllowedFields(generated: IMiddlewareTypeMap, schema: GraphQLSchema, rules: IRules): IMiddlewareTypeMap {
  const kept: IMiddlewareTypeMap = {};
  for (const [typeName, fields] of Object.entries(generated)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    const remaining: IMiddlewareFieldMap = {};
    for (const [fieldName, fieldMiddleware] of Object.entries(fields as IMiddlewareFieldMap)) {
      if (fieldRule(rules, typeName, fieldName) !== allow) remaining[fieldName] = fieldMiddleware;
    }
    kept[typeName] = remaining;
  }
  return kept;
}

/** The rule shield applies to a field: the whole tree's rule, its type's, the field's, the type's `*`, else deny. */
function fieldRule(rules: IRules, typeName: string, fieldName: string): ShieldRule {
  if (isShieldRule(rules)) return rules;
  const typeRules = (rules as Record<string, unknown>)[typeName];
  if (typeRules === undefined) return deny;
  if (isShieldRule(typeRules)) return typeRules;
  const fieldRules = typeRules as Record<string, ShieldRule | undefined>;
  return fieldRules[fieldName] ?? fieldRules['*'] ?? deny;
}

/** A rule rather than a map of rules (shield's own test: rules and logic rules are class instances). */
function isShieldRule(value: unknown): value is ShieldRule {
  return typeof value === 'object' && value !== null && typeof (value as { resolve?: unknown }).resolve === 'function';
}
