export { RedisCacheStore, type CacheStore } from './cache-store.js';
export { createCacheStore, MemoryCacheStore } from './memory-cache-store.js';
export {
  GatewayClient,
  GatewayUnavailableError,
  toClientError,
  type CallerIdentity,
  type GatewayError,
  type GatewayResult,
} from './gateway-client.js';
export { formatMoney, negotiateLocale, preferredLanguage } from './locale.js';
export {
  decodeCachedResponse,
  OperationProfiles,
  responseCachePlugin,
  type CacheableContext,
  type ResponseCacheOptions,
} from './response-cache.js';
export type { BffCaller } from './request-pipeline.js';
export { tags, type CacheTag } from '@storefront/events';
export {
  ACCESS_COOKIE,
  REFRESH_COOKIE,
  SessionRefresher,
  clearedSessionCookies,
  readSessionCookies,
  sessionCookies,
  type CookieSettings,
  type RefreshCaller,
  type SessionTokens,
} from './session.js';
export {
  allow,
  authorization,
  deny,
  forbiddenError,
  isAdmin,
  isSignedIn,
  unauthenticatedError,
  type AuthorizationContext,
} from './shield.js';
export { cacheControlTypeDefs, createBffServer, type BffContext, type BffServerOptions } from './server.js';
export type { BffDomainEvents, BffEvents } from './domain-events.js';
export { bffServerSettings, type BffServerConfig, type BffServerParams } from './server-settings.js';
export { startCacheInvalidation } from './invalidation.js';
export { createGatewayBatch, readRoot, signedInAccount, type GatewayBatch } from './batch.js';
export {
  NOT_IN_SAFELIST,
  PERSISTED_QUERY_TTL_SECONDS,
  persistedQueryCache,
  persistedQueryId,
  readPersistedQueryManifest,
  safelistPlugin,
  type ManifestOperation,
  type PersistedQueryCache,
  type PersistedQueryCacheOptions,
  type PersistedQueryManifest,
} from './persisted-queries.js';
export { createGatewayResilience, GatewayCircuitOpenError, postToGateway, type GatewayResilience } from './gateway-resilience.js';
export { bffRateLimits, createBffLimiters, limitSignIn, type BffRateLimits, type RateLimitContext } from './rate-limits.js';
export { liveFeed, livePayload, SharedReads, type LiveContext } from './live/feed.js';
export { liveLimits, type LiveLimits } from './live/connections.js';
export type { LiveEvents } from './live/hub.js';
