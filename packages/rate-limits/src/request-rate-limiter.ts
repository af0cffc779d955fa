import { userHashTag } from '@storefront/redis';
import type { Counter } from 'prom-client';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { addressBucket, msToSeconds } from './buckets.js';
import { rateLimitedError } from './rate-limited-error.js';
import type { RateLimitStore } from './store.js';

interface RequestRateLimitOptions {
  store: RateLimitStore;
  /** The client type (`web`, `mobile`, `gateway`): each has its own counters and budgets. */
  name: string;
  /** Prefix of every key, e.g. `rl:`. */
  keyPrefix: string;
  /** Requests per window for a signed-in user (0: unlimited). */
  perUser: number;
  /** Requests per window for an anonymous address (0: unlimited). */
  perIp: number;
  windowSeconds: number;
  /** Counts refusals, labelled by limiter. */
  rejections?: Counter<'limiter'>;
}

/** A fixed-window request counter in Redis: its key, its budget and its window. */
export interface RedisCounter {
  key: string;
  points: number;
  durationSeconds: number;
}

/** Requests per window: per user when signed in, per client address otherwise. */
export class RequestRateLimiter {
  private readonly perUser: RateLimiterAbstract | undefined;
  private readonly perIp: RateLimiterAbstract | undefined;

  constructor(private readonly options: RequestRateLimitOptions) {
    const { store, name, keyPrefix, windowSeconds } = options;
    if (options.perUser > 0)
      this.perUser = store.limiter({
        keyPrefix: `${keyPrefix}${name}:user`,
        points: options.perUser,
        durationSeconds: windowSeconds,
      });
    if (options.perIp > 0)
      this.perIp = store.limiter({ keyPrefix: `${keyPrefix}${name}:ip`, points: options.perIp, durationSeconds: windowSeconds });
  }

  private bucket(caller: { userId?: string | undefined; ip: string }) {
    // A user's counter in the slot of their own cached responses (see userHashTag).
    return caller.userId
      ? ([this.perUser, userHashTag(caller.userId), 'user'] as const)
      : ([this.perIp, addressBucket(caller.ip), 'ip'] as const);
  }

  /**
   * The Redis counter `consume` would take a point from, for a caller on the same Redis
   * (a BFF charges it in the same script as its cache lookup); undefined when the caller has
   * no limit or the counters live in process.
   */
  redisCounter(caller: { userId?: string | undefined; ip: string }): RedisCounter | undefined {
    const [limiter, key] = this.bucket(caller);
    if (!limiter || !this.options.store.redis) return undefined;
    // rate-limiter-flexible's key layout, so both ways of counting share one counter.
    return { key: limiter.getKey(key), points: limiter.points, durationSeconds: limiter.duration };
  }

  /** Counts one request; throws `RATE_LIMITED` when over budget. */
  async consume(caller: { userId?: string | undefined; ip: string }): Promise<void> {
    const [limiter, key, kind] = this.bucket(caller);
    if (!limiter) return;
    try {
      await limiter.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      this.options.rejections?.inc({ limiter: `${this.options.name}:${kind}` });
      throw rateLimitedError(msToSeconds(error.msBeforeNext));
    }
  }
}
