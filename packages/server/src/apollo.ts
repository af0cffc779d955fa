import type { ApolloServerOptions, ApolloServerPlugin, BaseContext } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import {
  ApolloServerPluginLandingPageLocalDefault,
} from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { DomainError } from './errors.js';
import { LIMIT_CODES, apolloLimitOptions, limitViolation, type DocumentLimits } from './limits.js';
import type { ServiceMetrics } from './metrics.js';
import { hideSuggestions } from './production.js';
import { storableTextPlugin } from './text.js';

export type NodeEnv = 'development' | 'test' | 'production';

/** Every server's context carries these, for logs and downstream calls. */
export interface RequestContext extends BaseContext {
  requestId: string;
}

const PUBLIC_CODES = new Set([
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
    // A document refused by a limit (limits.ts): its own code, whatever Apollo wrapped it in.
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

/** Operation latency and error-code metrics, and a log line for every error with its request id. */
export function observabilityPlugin(logger: Logger, metrics: ServiceMetrics): ApolloServerPlugin<RequestContext> {
  return {
    // A request refused while its context was built (a broken token, a rate limit) never
    // reaches requestDidStart's hooks; its code is counted here.
    async contextCreationDidFail({ error }) {
      const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
      metrics.graphqlErrors.inc({ code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR' });
    },
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            const original = unwrapResolverError(error);
            const code =
              original instanceof DomainError
                ? original.code
                : ((limitViolation(error)?.extensions?.code ?? error.extensions?.code) as string | undefined) ?? 'INTERNAL_SERVER_ERROR';
            metrics.graphqlErrors.inc({ code });
            // A refused document is the caller's doing, like any public code: info, not error.
            const level = PUBLIC_CODES.has(code) || (Object.values(LIMIT_CODES) as string[]).includes(code) ? 'info' : 'error';
            logger[level](
              { requestId: contextValue.requestId, operationName, code, path: error.path, err: original ?? error },
              error.message,
            );
          }
        },
        async willSendResponse({ operationName, operation }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.graphqlOperations.observe(
            { operation: operationName ?? 'anonymous', type: operation?.operation ?? 'unknown' },
            seconds,
          );
        },
      };
    },
  };
}

/**
 * Settings shared by every Apollo Server of the project: Sandbox as landing page and
 * introspection outside production, neither in production; CSRF prevention on; HTTP
 * batching off; masked errors and no stack traces outside development; text a database
 * cannot store refused before anything runs.
 */
export function apolloDefaults<Context extends RequestContext>(options: {
  nodeEnv: NodeEnv;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Document limits (depth, aliases, cost, ...; see limits.ts); none when omitted. */
  limits?: DocumentLimits;
}): Pick<
  ApolloServerOptions<Context>,
  | 'introspection'
  | 'hideSchemaDetailsFromClientErrors'
  | 'validationRules'
  | 'parseOptions'
  | 'csrfPrevention'
  | 'allowBatchedHttpRequests'
  | 'includeStacktraceInErrorResponses'
  | 'formatError'
  | 'plugins'
  | 'stopOnTerminationSignals'
> {
  const production = options.nodeEnv === 'production';
  const limits = options.limits ? apolloLimitOptions<Context>(options.limits) : undefined;
  return {
    introspection: !production,
    // No "Did you mean" in production: Apollo's option covers validation, hideSuggestions the rest.
    hideSchemaDetailsFromClientErrors: production,
    ...(limits ? { validationRules: limits.validationRules, parseOptions: limits.parseOptions } : {}),
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // Shutdown belongs to the service (stopOnSignals), which drains HTTP before Apollo and
    // closes pools after; Apollo's own handler would re-raise the signal and cut that short.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: options.nodeEnv === 'development',
    formatError: production ? hideSuggestions(maskErrors(options.nodeEnv)) : maskErrors(options.nodeEnv),
    plugins: [
      production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: true }),
      observabilityPlugin(options.logger, options.metrics),
      storableTextPlugin<Context>(),
      ...(limits ? [limits.plugin] : []),
    ],
  };
}

