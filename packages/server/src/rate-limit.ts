import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { HeaderMap, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { createRedisClient, userHashTag, type RedisClient, type RedisConnection } from '@storefront/redis';
import type { Counter } from 'prom-client';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * Where counters live: Redis (shared by every instance of a service; a server or a cluster,
 * each counter being one key) when configured, this process otherwise. A Redis outage falls back to in-process counters (the insurance
 * limiter) instead of refusing or waving through every request.
 */
export class RateLimitStore {
  readonly redis: RedisClient | undefined;

  constructor(connection?: RedisConnection) {
    if (connection) {
      this.redis = createRedisClient(connection, { maxRetriesPerRequest: 1, commandTimeout: 500, connectTimeout: 2_000 }, { failWhileDown: true });
      this.redis.on('error', () => undefined);
    }
  }

  limiter(options: { keyPrefix: string; points: number; durationSeconds: number }): RateLimiterAbstract {
    const memory = new RateLimiterMemory({ keyPrefix: options.keyPrefix, points: options.points, duration: options.durationSeconds });
    if (!this.redis) return memory;
    return new RateLimiterRedis({
      storeClient: this.redis,
      keyPrefix: options.keyPrefix,
      points: options.points,
      duration: options.durationSeconds,
      insuranceLimiter: memory,
    });
  }

  async close(): Promise<void> {
    if (this.redis) await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}

/**
 * `RATE_LIMITED` with `retryAfter` (seconds), answered with HTTP 429 and `Retry-After`; without
 * the HTTP part (`http: false`) in a subgraph, whose answer must stay a GraphQL response the
 * gateway passes on (a 429 from a subgraph would read as the subgraph failing).
 */
export function rateLimitedError(retryAfterSeconds: number, message = 'Too many requests. Please slow down.', http = true): GraphQLError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
  return new GraphQLError(`${message} Try again in ${retryAfter} s.`, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfter,
      ...(http ? { http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) } } : {}),
    },
  });
}

/**
 * HTTP 429 with `Retry-After` for a response carrying a subgraph's RATE_LIMITED error (the
 * gateway's: users refused a sign-in), as for the limits a server enforces itself.
 */
export function rateLimitedStatusPlugin<Context extends BaseContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const limited = response.body.singleResult.errors?.find((error) => error.extensions?.code === 'RATE_LIMITED');
          if (!limited) return;
          response.http.status = 429;
          const retryAfter = Number(limited.extensions?.retryAfter);
          if (Number.isInteger(retryAfter) && retryAfter > 0) response.http.headers.set('retry-after', String(retryAfter));
        },
      };
    },
  };
}

/** An IPv6 client usually holds a whole /64: one bucket for it, not 2^64. */
export function addressBucket(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = ''] = address.split('%');
  const expanded = head.includes('::')
    ? (() => {
        const [left, right] = head.split('::') as [string, string];
        const l = left ? left.split(':') : [];
        const r = right ? right.split(':') : [];
        return [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
      })()
    : head.split(':');
  return `${expanded.slice(0, 4).map((part) => part.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

function msToSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export interface RequestRateLimitOptions {
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
    if (options.perUser > 0) this.perUser = store.limiter({ keyPrefix: `${keyPrefix}${name}:user`, points: options.perUser, durationSeconds: windowSeconds });
    if (options.perIp > 0) this.perIp = store.limiter({ keyPrefix: `${keyPrefix}${name}:ip`, points: options.perIp, durationSeconds: windowSeconds });
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

export interface LoginAttemptLimitOptions {
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
      this.perAccount = store.limiter({ keyPrefix: `${keyPrefix}${name}:login:account`, points: options.perAccount, durationSeconds: windowSeconds });
    }
    if (options.perIp > 0) {
      this.perIp = store.limiter({ keyPrefix: `${keyPrefix}${name}:login:ip`, points: options.perIp, durationSeconds: windowSeconds });
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
      throw rateLimitedError(msToSeconds(error.msBeforeNext), 'Too many failed sign-in attempts.', this.options.httpStatus ?? true);
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
      // Nothing was decided (e.g. the users service is down): not a failed attempt.
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
