import type { OutboundSettings } from '@storefront/outbound';
import { z } from 'zod';

/**
 * Environment settings of resilient calls to one kind of downstream service, under a prefix:
 * `SUBGRAPH_` in the gateway (its calls to subgraphs), `GATEWAY_` in the BFFs (their calls to
 * the gateway). Defaults are documented in README.md ("Operations" → "Resilience").
 */
const count = (fallback: number, max: number) => z.coerce.number().int().min(0).max(max).default(fallback);
const positive = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const percent = (fallback: number) => z.coerce.number().min(0).max(100).default(fallback);

const validators = {
  /** Most retries of one query (mutations are never retried). */
  RETRIES: () => count(2, 10),
  /** First backoff pause before a retry (doubles each time, with jitter). */
  RETRY_BACKOFF_MS: () => positive(50, 60_000),
  /** Longest backoff pause. */
  RETRY_BACKOFF_MAX_MS: () => positive(500, 60_000),
  /** Retries allowed as a percentage of calls in the budget window. */
  RETRY_BUDGET_PERCENT: () => percent(20),
  /** Retries allowed per budget window whatever the traffic. */
  RETRY_BUDGET_MIN: () => count(10, 10_000),
  /** The retry budget's sliding window. */
  RETRY_BUDGET_WINDOW_MS: () => positive(10_000, 3_600_000),
  /** The breaker opens above this percentage of failed calls in its window... */
  BREAKER_ERROR_PERCENT: () => percent(50),
  /** ...once the window holds at least this many calls. */
  BREAKER_VOLUME: () => count(20, 1_000_000),
  /** The breaker's rolling window. */
  BREAKER_WINDOW_MS: () => positive(10_000, 3_600_000),
  /** Time open before a half-open probe. */
  BREAKER_RESET_MS: () => positive(10_000, 3_600_000),
  /** Keep-alive connections per origin. */
  POOL_CONNECTIONS: () => positive(64, 10_000),
  /** Idle keep-alive connections close after this long. */
  KEEP_ALIVE_MS: () => positive(30_000, 600_000),
} as const;

type Suffix = keyof typeof validators;
export type ResilienceShape<Prefix extends string> = {
  [S in Suffix as `${Prefix}_${S}`]: ReturnType<(typeof validators)[S]>;
};

export function resilienceShape<Prefix extends string>(prefix: Prefix): ResilienceShape<Prefix> {
  const shape: Record<string, z.ZodType> = {};
  for (const [suffix, validator] of Object.entries(validators)) shape[`${prefix}_${suffix}`] = validator();
  return shape as ResilienceShape<Prefix>;
}

/** The parsed settings of `prefix`, in the shape @storefront/outbound's clients take. */
export function resilienceSettings<Prefix extends string>(
  config: { readonly [K in keyof ResilienceShape<Prefix>]: number },
  prefix: Prefix,
): OutboundSettings {
  const value = (suffix: Suffix) => (config as Record<string, number>)[`${prefix}_${suffix}`]!;
  return {
    pool: { connections: value('POOL_CONNECTIONS'), keepAliveMs: value('KEEP_ALIVE_MS') },
    retry: {
      retries: value('RETRIES'),
      backoffMs: value('RETRY_BACKOFF_MS'),
      maxBackoffMs: value('RETRY_BACKOFF_MAX_MS'),
      budgetPercent: value('RETRY_BUDGET_PERCENT'),
      budgetMinRetries: value('RETRY_BUDGET_MIN'),
      budgetWindowMs: value('RETRY_BUDGET_WINDOW_MS'),
    },
    breaker: {
      errorPercent: value('BREAKER_ERROR_PERCENT'),
      volumeThreshold: value('BREAKER_VOLUME'),
      windowMs: value('BREAKER_WINDOW_MS'),
      resetMs: value('BREAKER_RESET_MS'),
    },
  };
}
