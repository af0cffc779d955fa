import { createRedisClient, type RedisClient, type RedisConnection } from '@storefront/redis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * Where counters live: Redis (shared by every instance of a service; a server or a cluster,
 * each counter being one key) when configured, this process otherwise. A Redis outage falls back to in-process counters (the insurance
 * limiter) instead of refusing or waving through every request.
 */
export class RateLimitStore {
  readonly redis: RedisClient | undefined;

  constructor(connection?: RedisConnection) {
    if (connection) {
      this.redis = createRedisClient(
        connection,
        { maxRetriesPerRequest: 1, commandTimeout: 500, connectTimeout: 2_000 },
        { failWhileDown: true },
      );
      this.redis.on('error', () => undefined);
    }
  }

  limiter(options: { keyPrefix: string; points: number; durationSeconds: number }): RateLimiterAbstract {
    const memory = new RateLimiterMemory({
      keyPrefix: options.keyPrefix,
      points: options.points,
      duration: options.durationSeconds,
    });
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
