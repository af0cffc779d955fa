import { unwrapResolverError } from '@apollo/server/errors';
import { DomainError, isTransientDatabaseError } from '@storefront/resolver-kit';
import type { GraphQLFormattedError } from 'graphql';
import type { NodeEnv } from './request-context.js';
import { limitViolation } from './limits/document-limits.js';

/** Codes whose errors reach clients as they are (their message and code), outside development too. */
export const PUBLIC_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PERSISTED_QUERY_NOT_IN_SAFELIST',
  'OPERATION_RESOLUTION_FAILURE',
  'SUBGRAPH_UNAVAILABLE',
  'GATEWAY_TIMEOUT',
  'CATALOG_UNAVAILABLE',
  'SERVICE_UNAVAILABLE',
  'CIRCUIT_OPEN',
  'RATE_LIMITED',
  'TOO_MANY_CONNECTIONS',
  'TOO_MANY_SUBSCRIPTIONS',
]);

/** Extensions a public error keeps besides its code (the rest stays inside). */
const PUBLIC_EXTENSIONS = ['retryAfter'] as const;

function publicExtensions(extensions: GraphQLFormattedError['extensions']): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const name of PUBLIC_EXTENSIONS) if (extensions?.[name] !== undefined) kept[name] = extensions[name];
  return kept;
}

/**
 * The code of an error, BAD_REQUEST for one Apollo Server raises about the request itself
 * without a code (an unsupported persisted query version: HTTP 400, no code), which would
 * otherwise read as an internal error.
 */
function requestErrorCode(formatted: GraphQLFormattedError, error: unknown): unknown {
  const code = formatted.extensions?.code;
  if (code !== 'INTERNAL_SERVER_ERROR') return code;
  const { extensions } = (error ?? {}) as { extensions?: { code?: unknown; http?: { status?: unknown } } };
  const status = Number(extensions?.http?.status);
  return extensions?.code === undefined && status >= 400 && status < 500 ? 'BAD_REQUEST' : code;
}

/**
 * Errors with a public code keep their message; anything else (a bug, a database or network
 * failure) becomes a generic INTERNAL_SERVER_ERROR outside development, so no SQL, host or
 * stack detail reaches a client. The original is logged by the observability plugin.
 */
export function maskErrors(nodeEnv: NodeEnv) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    // A document refused by a limit (limits/): its own code: its own code, whatever Apollo wrapped it in.
    const limit = limitViolation(error);
    if (limit) return limit;
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      return {
        message: original.message,
        ...(formatted.path ? { path: formatted.path } : {}),
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        extensions: { code: original.code, ...(original.field ? { field: original.field } : {}) },
      };
    }
    if (isTransientDatabaseError(original)) {
      return {
        message: 'The service is temporarily unavailable. Please try again.',
        ...(formatted.path ? { path: formatted.path } : {}),
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      };
    }
    if (nodeEnv === 'development') return formatted;
    const code = requestErrorCode(formatted, error);
    if (typeof code === 'string' && PUBLIC_CODES.has(code)) {
      // Only the code travels: other extensions (a downstream response, its URL) stay inside.
      return {
        message: formatted.message,
        ...(formatted.path ? { path: formatted.path } : {}),
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        extensions: { code, ...publicExtensions(formatted.extensions) },
      };
    }
    return {
      message: 'Internal server error.',
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/** graphql-js's suggestions: `Did you mean "name"?`, `Did you mean the enum value "PENDING"?`, ... */
const SUGGESTION = /\s*Did you mean\b[^?]*\?/g;

function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

/**
 * In production no error names a field, type or enum value the caller did not write: Apollo's
 * `hideSchemaDetailsFromClientErrors` strips suggestions from validation errors only, while
 * variable coercion ("Field "emial" is not defined by type "SignUpInput". Did you mean
 * "email"?") reports them at execution; this strips them from every error that leaves.
 */
export function hideSuggestions(format: FormatError): FormatError {
  return (formatted, error) => {
    const result = format(formatted, error);
    return result.message.includes('Did you mean') ? { ...result, message: withoutSuggestions(result.message) } : result;
  };
}
