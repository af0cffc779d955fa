import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { DomainError, isTransientDatabaseError } from '@storefront/resolver-kit';
import type { Logger } from 'pino';
import type { RequestContext } from './request-context.js';
import { PUBLIC_CODES } from './error-masking.js';
import { LIMIT_CODES, limitViolation } from './limits/document-limits.js';
import type { ServiceMetrics } from './metrics.js';

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
            const transient = isTransientDatabaseError(original);
            const publicCode = limitViolation(error)?.extensions?.code ?? error.extensions?.code;
            const code =
              original instanceof DomainError
                ? original.code
                : transient
                  ? 'SERVICE_UNAVAILABLE'
                  : typeof publicCode === 'string'
                    ? publicCode
                    : 'INTERNAL_SERVER_ERROR';
            metrics.graphqlErrors.inc({ code });
            // A refused document is the caller's doing, like any public code: info, not error.
            // A database too busy to take the request is the operator's concern, not a bug: warn.
            const level = transient
              ? 'warn'
              : PUBLIC_CODES.has(code) || (Object.values(LIMIT_CODES) as string[]).includes(code)
                ? 'info'
                : 'error';
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
