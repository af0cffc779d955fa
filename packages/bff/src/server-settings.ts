import { resilienceSettings, type ResilienceShape } from '@storefront/config';
import {
  createLogger,
  createMetrics,
  documentLimits,
  type DocumentLimitsConfig,
  type Logger,
  type NodeEnv,
} from '@storefront/http-server';
import type { RedisConnection } from '@storefront/redis';
import { SessionRevocations, type TrustProxy } from '@storefront/request-identity';
import { bffRateLimits } from './rate-limits.js';
import type { CacheStore } from './cache-store.js';
import { createCacheStore } from './memory-cache-store.js';
import type { BffEvents } from './domain-events.js';

/** What a BFF's server factory (`createWebServer`, `createMobileServer`) takes; tests pass their own logger and store. */
export interface BffServerParams<Config> {
  config: Config;
  logger?: Logger;
  store?: CacheStore;
  /** The bus of the domain events that invalidate cached responses and feed live updates. */
  events?: BffEvents;
}

/** What every BFF's config holds for the server part they share. */
export type BffServerConfig = Parameters<typeof bffRateLimits>[0] &
  DocumentLimitsConfig & { readonly [K in keyof ResilienceShape<'GATEWAY'>]: number } & {
    NODE_ENV: NodeEnv;
    LOG_LEVEL: string;
    GATEWAY_URL: string;
    GATEWAY_TIMEOUT_MS: number;
    TRUST_PROXY: TrustProxy;
    MAX_BODY_BYTES: number;
    SESSION_REVOCATION_KEY_PREFIX: string;
    RESPONSE_CACHE_KEY_PREFIX: string;
    SESSION_REVOCATION_CACHE_MS: number;
    redis: RedisConnection | undefined;
  };

/**
 * The `createBffServer` options every BFF takes the same way (its logger, metrics and response
 * store; environment, gateway and its resilience, document and rate limits, proxy trust, body
 * size and cache-invalidation events from its config), and the ended sessions its `identify`
 * must refuse, closed on stop.
 */
export function bffServerSettings<Config extends BffServerConfig>(
  service: string,
  {
    config,
    logger = createLogger(service, config.LOG_LEVEL),
    store = createCacheStore(config.redis, config.RESPONSE_CACHE_KEY_PREFIX),
    events,
  }: BffServerParams<Config>,
) {
  const metrics = createMetrics(service);
  // Ended sessions (recorded in the shared Redis): their tokens are refused before they expire.
  const revokedSessions = SessionRevocations.fromConfig(config, logger);
  return {
    revokedSessions,
    settings: {
      nodeEnv: config.NODE_ENV,
      logger,
      metrics,
      store,
      gatewayUrl: config.GATEWAY_URL,
      gatewayTimeoutMs: config.GATEWAY_TIMEOUT_MS,
      gatewayResilience: resilienceSettings(config, 'GATEWAY'),
      limits: documentLimits(config),
      rateLimits: bffRateLimits(config),
      trustProxy: config.TRUST_PROXY,
      maxBodyBytes: config.MAX_BODY_BYTES,
      ...(events ? { events } : {}),
      onStop: () => revokedSessions.close(),
    },
  };
}
