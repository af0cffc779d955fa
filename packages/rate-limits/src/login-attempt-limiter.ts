import { createHash } from 'node:crypto';
import type { Counter } from 'prom-client';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { addressBucket, msToSeconds } from './buckets.js';
import { rateLimitedError } from './rate-limited-error.js';
import type { RateLimitStore } from './store.js';

interface LoginAttemptLimitOptions {
  store: RateLimitStore;
  name: string;
  keyPrefix: string;
  /** Failed attempts per account (email) per window (0: unlimited). */
  perAccount: number;
  /** Failed attempts per client address per window, whatever the accounts (0: unlimited). */
  perIp: number;
  windowSeconds: number;
  rejections?: Counter<'limiter'>;
  /** Refusals carry HTTP 429 (default); false in a subgraph (see rateLimitedError). */
  httpStatus?: boolean;
}

/**
 * Failed sign-ins, counted per account (password guessing against one user) and per client
 * address (credential stuffing across many). Each attempt takes a point from both budgets
 * before it runs (atomically in Redis, so a burst of parallel attempts cannot slip past the
 * limit); a success gives them back and clears its account's count, so only failures add
 * up. While either budget is used up every attempt is refused, right password or not.
 */
export class LoginAttemptLimiter {
  private readonly perAccount: RateLimiterAbstract | undefined;
  private readonly perIp: RateLimiterAbstract | undefined;

  constructor(private readonly options: LoginAttemptLimitOptions) {
    const { store, name, keyPrefix, windowSeconds } = options;
    if (options.perAccount > 0) {
      this.perAccount = store.limiter({
        keyPrefix: `${keyPrefix}${name}:login:account`,
        points: options.perAccount,
        durationSeconds: windowSeconds,
      });
    }
    if (options.perIp > 0) {
      this.perIp = store.limiter({
        keyPrefix: `${keyPrefix}${name}:login:ip`,
        points: options.perIp,
        durationSeconds: windowSeconds,
      });
    }
  }

  /** Emails are keyed by their hash: no addresses in Redis. */
  private accountKey(email: string): string {
    return createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32);
  }

  private async take(limiter: RateLimiterAbstract | undefined, key: string, kind: string): Promise<boolean> {
    if (!limiter) return false;
    try {
      await limiter.consume(key);
      return true;
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      this.options.rejections?.inc({ limiter: `${this.options.name}:login:${kind}` });
      throw rateLimitedError(
        msToSeconds(error.msBeforeNext),
        'Too many failed sign-in attempts.',
        this.options.httpStatus ?? true,
      );
    }
  }

  /**
   * Runs one sign-in attempt under both budgets: refused with `RATE_LIMITED` when either is
   * used up; otherwise `run` decides, and `succeeded` tells whether it signed someone in.
   */
  async attempt<T>(email: string, ip: string, run: () => Promise<T>, succeeded: (result: T) => boolean): Promise<T> {
    const accountKey = this.accountKey(email);
    const ipKey = addressBucket(ip);
    const tookAccount = await this.take(this.perAccount, accountKey, 'account');
    let tookIp = false;
    const refund = async () => {
      await Promise.all([
        tookAccount ? this.perAccount!.reward(accountKey, 1).catch(() => undefined) : undefined,
        tookIp ? this.perIp!.reward(ipKey, 1).catch(() => undefined) : undefined,
      ]);
    };
    try {
      tookIp = await this.take(this.perIp, ipKey, 'ip');
    } catch (error) {
      await refund();
      throw error;
    }
    let result: T;
    try {
      result = await run();
    } catch (error) {
      // Nothing was decided (e.g. the sign-in service is down): not a failed attempt.
      await refund();
      throw error;
    }
    if (succeeded(result)) {
      await Promise.all([
        this.perAccount?.delete(accountKey).catch(() => undefined),
        tookIp ? this.perIp!.reward(ipKey, 1).catch(() => undefined) : undefined,
      ]);
    }
    return result;
  }
}
