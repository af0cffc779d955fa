/**
 * The inbound HTTP front every server stands on: GraphQL over node:http with Apollo Server
 * (body limits, CORS, ETags, an early answer for cache hits, SSE), /health and /metrics,
 * Apollo defaults (error masking, document limits, storable text, observability), graceful
 * shutdown, logs, metrics, traces and heap sizing.
 */
export { apolloDefaults } from './apollo.js';
export type { CorsOptions } from './cors.js';
export { maskErrors } from './error-masking.js';
export type { ReadinessCheck, ReadinessOutcome } from './health.js';
export { limitHeapGrowth } from './heap.js';
export { drainMsFor, stopOnSignals } from './lifecycle.js';
export { runServer, type ProcessConfig, type StartedServer } from './run-server.js';
export {
  LIMIT_CODES,
  LimitError,
  documentLimits,
  type DocumentLimits,
  type DocumentLimitsConfig,
} from './limits/document-limits.js';
export { analyzeOperation } from './limits/operation-cost.js';
export { documentLimitRules } from './limits/validation-rules.js';
export { listen, type RunningServer } from './listen.js';
export { createLogger, type Logger } from './logger.js';
export { createMetrics, measuredBatch, type ServiceMetrics } from './metrics.js';
export type { NodeEnv, RequestContext } from './request-context.js';
export {
  createGraphQLHttpServer,
  type EarlyAnswer,
  type EarlyOutcome,
  type GraphQLHttpRequest,
  type RequestInfo,
} from './server.js';
export { injectTraceHeaders, startTracing, type Tracing } from './tracing.js';
