import { sameRedis, type RedisConnection } from '@storefront/config';
import { LoginAttemptLimiter, RateLimitStore, RequestRateLimiter, type RedisCounter } from '@storefront/rate-limits';
import type { ServiceMetrics } from '@storefront/http-server';

/** Budgets of one client type, from its config (RATE_LIMIT_*, LOGIN_ATTEMPTS_*). */
export interface BffRateLimits {
  /** Redis for the counters (shared by every instance; a server or a cluster); in process without it. */
  redis?: RedisConnection | undefined;
  /** Prefix of the Redis keys, e.g. `rl:`. */
  keyPrefix: string;
  /** Requests per window per signed-in user (0: unlimited). */
  perUser: number;
  /** Requests per window per anonymous client address (0: unlimited). */
  perIp: number;
  windowSeconds: number;
  /** Failed sign-ins per account and per client address (0: unlimited). */
  login: { perAccount: number; perIp: number; windowSeconds: number };
}

/** The config variables of `rateLimitShape` and `loginLimitShape`, as a BFF's budgets. */
export function bffRateLimits(config: {
  redis: RedisConnection | undefined;
  RATE_LIMIT_KEY_PREFIX: string;
  RATE_LIMIT_PER_USER: number;
  RATE_LIMIT_PER_IP: number;
  RATE_LIMIT_WINDOW_SECONDS: number;
  LOGIN_ATTEMPTS_PER_ACCOUNT: number;
  LOGIN_ATTEMPTS_PER_IP: number;
  LOGIN_ATTEMPTS_WINDOW_SECONDS: number;
}): BffRateLimits {
  return {
    redis: config.redis,
    keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
    perUser: config.RATE_LIMIT_PER_USER,
    perIp: config.RATE_LIMIT_PER_IP,
    windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
    login: {
      perAccount: config.LOGIN_ATTEMPTS_PER_ACCOUNT,
      perIp: config.LOGIN_ATTEMPTS_PER_IP,
      windowSeconds: config.LOGIN_ATTEMPTS_WINDOW_SECONDS,
    },
  };
}

/** What a BFF's context carries for rate limits (filled in by createBffServer). */
export interface RateLimitContext {
  /** The client's address (X-Forwarded-For only from proxies TRUST_PROXY names). */
  clientIp?: string;
  /** Counts failed sign-ins; absent when the BFF runs without limits. */
  loginAttempts?: LoginAttemptLimiter;
}

/** Who a request is charged to: the signed-in user, or the client's address when anonymous. */
export interface BudgetHolder {
  userId?: string | undefined;
  ip: string;
}

/**
 * The request budget of one client type: the only place a request is charged, once. A cache
 * lookup on the same Redis as the counters takes the point in its own script (see
 * `lookupCounter` and `settle`); every other request is charged with `charge`.
 */
export class RequestBudget {
  constructor(
    private readonly requests: RequestRateLimiter,
    /** The response cache's Redis and the counters' are the same: a lookup can charge. */
    private readonly chargeInLookup: boolean,
  ) {}

  /** The counter a cache lookup should charge in its own round trip; undefined to charge apart. */
  lookupCounter(holder: BudgetHolder): RedisCounter | undefined {
    return this.chargeInLookup ? this.requests.redisCounter(holder) : undefined;
  }

  /** Whether a lookup that counted `consumed` on `counter` stayed within the budget. */
  settle(counter: RedisCounter, consumed: number): boolean {
    return consumed <= counter.points;
  }

  /** Counts one request; throws RATE_LIMITED (HTTP 429, retryAfter) when over budget. */
  charge(holder: BudgetHolder): Promise<void> {
    return this.requests.consume(holder);
  }

  /** `charge`, as an outcome instead of a rejection. */
  tryCharge(holder: BudgetHolder): Promise<boolean> {
    return this.charge(holder).then(
      () => true,
      () => false,
    );
  }
}

/** The request budget and the sign-in limiter of one client type. */
export function createBffLimiters(
  clientType: string,
  limits: BffRateLimits,
  metrics: ServiceMetrics,
  cacheRedis: RedisConnection | undefined,
) {
  const store = new RateLimitStore(limits.redis);
  const requests = new RequestRateLimiter({
    store,
    name: clientType,
    keyPrefix: limits.keyPrefix,
    perUser: limits.perUser,
    perIp: limits.perIp,
    windowSeconds: limits.windowSeconds,
    rejections: metrics.rateLimited,
  });
  return {
    requests: new RequestBudget(requests, sameRedis(cacheRedis, limits.redis)),
    loginAttempts: new LoginAttemptLimiter({
      store,
      name: clientType,
      keyPrefix: limits.keyPrefix,
      perAccount: limits.login.perAccount,
      perIp: limits.login.perIp,
      windowSeconds: limits.login.windowSeconds,
      rejections: metrics.rateLimited,
    }),
    close: () => store.close(),
  };
}

/**
 * Runs a sign-in (logIn, signUp) under the client type's attempt limits: refused with
 * RATE_LIMITED (HTTP 429, retryAfter) once the account or the address has failed too often;
 * `succeeded` tells whether the result signed someone in (only failures count).
 */
export function limitSignIn<T>(
  context: RateLimitContext,
  email: string,
  run: () => Promise<T>,
  succeeded: (result: T) => boolean,
): Promise<T> {
  if (!context.loginAttempts) return run();
  return context.loginAttempts.attempt(email, context.clientIp ?? 'unknown', run, succeeded);
}
