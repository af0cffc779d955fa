export { apolloDefaults, maskErrors, observabilityPlugin, type NodeEnv, type RequestContext } from './apollo.js';
export { DomainError, badUserInput, forbidden, isUuid, notFound, unauthenticated, type PublicErrorCode } from './errors.js';
export { createGraphQLHttpServer, listen, type CorsOptions, type ReadinessCheck, type RequestInfo, type RunningServer } from './http.js';
export { stopOnSignals } from './lifecycle.js';
export { createLogger, type Logger } from './logger.js';
export { createMetrics, type ServiceMetrics } from './metrics.js';
export {
  authenticate,
  createSubgraphServer,
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
