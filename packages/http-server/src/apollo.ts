import type { ApolloServerOptions } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { Logger } from 'pino';
import { hideSuggestions, maskErrors } from './error-masking.js';
import type { DocumentLimits } from './limits/document-limits.js';
import { apolloLimitOptions } from './limits/limits-plugin.js';
import type { ServiceMetrics } from './metrics.js';
import { observabilityPlugin } from './observability.js';
import type { NodeEnv, RequestContext } from './request-context.js';
import { storableTextPlugin } from './text.js';

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
  /** Document limits (depth, aliases, cost, ...; see limits/); none when omitted. */
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
