/** What a resilient call is allowed: its pool, its retries and their budget, its breaker (see index.ts). */

export interface PoolSettings {
  /** Most connections kept to one origin. */
  connections: number;
  /** How long an idle connection stays open (below the server's keep-alive, 65 s here). */
  keepAliveMs: number;
}

export interface RetrySettings {
  /** Most retries of one idempotent call (0: never retry). */
  retries: number;
  /** First backoff pause; doubles with each retry, with jitter. */
  backoffMs: number;
  /** Longest backoff pause. */
  maxBackoffMs: number;
  /** Retries allowed, as a percentage of the calls made in the budget's window. */
  budgetPercent: number;
  /** Retries allowed per window whatever the traffic, so a quiet service still retries. */
  budgetMinRetries: number;
  /** The budget's window. */
  budgetWindowMs: number;
}

interface BreakerSettings {
  /** Opens when more than this percentage of the window's calls failed... */
  errorPercent: number;
  /** ...and the window holds at least this many calls. */
  volumeThreshold: number;
  /** The rolling window the error percentage is measured over. */
  windowMs: number;
  /** Time open before one probe call is let through (half-open). */
  resetMs: number;
}

export interface ResilienceSettings {
  /** Deadline of one call, all attempts and backoff pauses included. */
  timeoutMs: number;
  retry: RetrySettings;
  breaker: BreakerSettings;
}

export const DEFAULT_POOL: PoolSettings = { connections: 64, keepAliveMs: 30_000 };
export const DEFAULT_RETRY: RetrySettings = {
  retries: 2,
  backoffMs: 50,
  maxBackoffMs: 500,
  budgetPercent: 20,
  budgetMinRetries: 10,
  budgetWindowMs: 10_000,
};
export const DEFAULT_BREAKER: BreakerSettings = { errorPercent: 50, volumeThreshold: 20, windowMs: 10_000, resetMs: 10_000 };

/** Everything one calling service sets for its calls to one kind of target (`resilienceSettings` of @storefront/config reads it from the environment). */
export interface OutboundSettings {
  pool: PoolSettings;
  retry: RetrySettings;
  breaker: BreakerSettings;
}
