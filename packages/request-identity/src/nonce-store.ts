import type { RedisClient, RedisConnection } from '@storefront/redis';
import type { Logger } from 'pino';
import { failFastRedis } from './fail-fast-redis.js';

/** Nonces kept in process at most; past that the oldest go first (they are the nearest to expiring). */
const MAX_LOCAL_NONCES = 200_000;

/**
 * The nonces of signed subgraph requests already taken, for as long as their signature is
 * fresh: a captured request replayed within that window is refused. In Redis (`SET NX EX`,
 * shared by every instance of a subgraph) when a URL is given, in process otherwise. Should
 * Redis fail, this process's own record decides, rather than refusing every request.
 */
export class NonceStore {
  private readonly redis: RedisClient | undefined;
  private readonly local = new Map<string, number>();

  constructor(private readonly options: { redis?: RedisConnection | undefined; keyPrefix: string; logger?: Logger }) {
    if (options.redis) this.redis = failFastRedis(options.redis);
  }

  /** True the first time `nonce` is seen within `ttlSeconds`, false for a replay. */
  async firstUse(nonce: string, ttlSeconds: number): Promise<boolean> {
    if (this.redis) {
      try {
        return (await this.redis.set(this.options.keyPrefix + nonce, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
      } catch (error) {
        this.options.logger?.warn({ err: error }, 'nonce store unavailable; this process checks replays alone');
      }
    }
    return this.firstLocalUse(nonce, ttlSeconds);
  }

  private firstLocalUse(nonce: string, ttlSeconds: number): boolean {
    const now = Date.now();
    const until = this.local.get(nonce);
    if (until !== undefined && until > now) return false;
    this.local.delete(nonce);
    if (this.local.size >= MAX_LOCAL_NONCES) this.local.delete(this.local.keys().next().value!);
    this.local.set(nonce, now + ttlSeconds * 1000);
    return true;
  }

  async close(): Promise<void> {
    if (this.redis) await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}
