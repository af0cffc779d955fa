export { apolloDefaults, maskErrors, observabilityPlugin, type NodeEnv, type RequestContext } from './apollo.js';
export { DomainError, badUserInput, forbidden, isUuid, notFound, unauthenticated, type PublicErrorCode } from './errors.js';
export {
  LIMIT_CODES,
  LimitError,
  analyzeOperation,
  documentLimitRules,
  documentLimits,
  documentLimitsPlugin,
  limitViolation,
  refusedDocument,
  type DocumentLimits,
  type DocumentLimitsConfig,
} from './limits.js';
export { hideSuggestions, withoutSuggestions } from './production.js';
export {
  createGraphQLHttpServer,
  listen,
  type CorsOptions,
  type EarlyAnswer,
  type EarlyOutcome,
  type GraphQLHttpRequest,
  type ReadinessCheck,
  type ReadinessOutcome,
  type RequestInfo,
  type RunningServer,
} from './http.js';
export { limitHeapGrowth } from './heap.js';
export { drainMsFor, gracefulCloser, isDraining, stopOnSignals, type StopOptions } from './lifecycle.js';
export { createLogger, type Logger } from './logger.js';
export { createMetrics, measuredBatch, type ServiceMetrics } from './metrics.js';
export {
  authenticate,
  createSubgraphServer,
  subgraphPoolOptions,
  type SubgraphDatabase,
  type SubgraphSettings,
  type SubgraphRequestContext,
  type SubgraphServer,
  type SubgraphServerOptions,
} from './subgraph.js';
export { DateTime } from './scalars.js';
export {
  MAX_PAGE_SIZE,
  after,
  decodeCursor,
  encodeCursor,
  pageSize,
  toConnection,
  type Connection,
  type Cursor,
} from './pagination.js';
export {
  CircuitOpenError,
  DEFAULT_BREAKER,
  DEFAULT_POOL,
  DEFAULT_RETRY,
  HttpStatusError,
  ResilientTarget,
  RetryBudget,
  backoffDelay,
  classifyFailure,
  createConnectionPool,
  operationType,
  resilienceMetrics,
  type BreakerSettings,
  type CircuitState,
  type Dispatcher,
  type FailureKind,
  type PoolSettings,
  type ResilienceMetrics,
  type ResilienceSettings,
  type RetrySettings,
} from './resilience.js';
export {
  LoginAttemptLimiter,
  RateLimitStore,
  RequestRateLimiter,
  type RedisCounter,
  addressBucket,
  rateLimitedError,
  rateLimitedStatusPlugin,
  type LoginAttemptLimitOptions,
  type RequestRateLimitOptions,
} from './rate-limit.js';
export {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  clientAddressResolver,
  currentRequest,
  forwardedForHeaders,
  gatewaySignatureGuard,
  normalizeAddress,
  runInRequestScope,
  CLIENT_IP_HEADER,
  NONCE_HEADER,
  signSubgraphRequest,
  signedFetch,
  verifySubgraphSignature,
  withGatewaySignature,
  type IncomingGraphQLRequest,
  type RequestRefusal,
  type RequestScope,
  type SignatureCheck,
  type TrustProxy,
} from './trust.js';
export { callerOperationName, injectTraceHeaders, startTracing, tracesEndpoint, withClientSpan, withServerSpan, type Tracing } from './tracing.js';
export { SessionRevocations, type SessionRevocationOptions } from './session-revocations.js';
export { NonceStore } from './nonce-store.js';
