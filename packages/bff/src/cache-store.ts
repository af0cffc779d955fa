import type { RedisCounter } from '@storefront/server';
import { Redis } from 'ioredis';

/**
 * Where BFF responses are cached. Entries carry tags (`product:<id>`, `user:<id>`) so that
 * a change to an entity drops exactly the entries built from it. Tags are shared by every
 * BFF on the same store, so the web BFF's product update also clears mobile's entries.
 */
export interface CacheStore {
  /** The Redis the store lives on; undefined in process. */
  readonly redisUrl?: string | undefined;
  get(key: string): Promise<string | undefined>;
  /** Several keys in one round trip, in order, as bytes (a cached response is sent as it is stored). */
  getMany(keys: readonly string[]): Promise<Array<Buffer | undefined>>;
  /**
   * `getMany` that also takes a point from a request counter living on the same Redis, in
   * the same script (one command for a cache hit); absent on stores without Redis.
   */
  getManyCharging?(keys: readonly string[], counter: RedisCounter): Promise<{ values: Array<Buffer | undefined>; consumed: number }>;
  /**
   * Stores `value` unless one of `tags` was invalidated after `computedAt` (the start of the
   * request that computed it): a response built from data that changed meanwhile is stale.
   */
  set(key: string, value: string, ttlSeconds: number, tags: readonly string[], computedAt: number): Promise<boolean>;
  /** Drops every entry carrying one of `tags`; returns how many were dropped. */
  invalidate(tags: readonly string[]): Promise<number>;
  /** Takes `key` for `ttlSeconds` if nobody holds it: a lock across BFF instances. */
  claim(key: string, ttlSeconds: number): Promise<boolean>;
  /** Plain value without tags, e.g. a just-refreshed session shared by concurrent requests. */
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Drops one key (tagged or plain); the tags it carried forget it as they expire. */
  delete(key: string): Promise<void>;
  /** True when the store answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** How long an invalidation is remembered, to refuse late writes of stale responses. */
const INVALIDATION_MEMORY_SECONDS = 600;

const SET_SCRIPT = `
local computedAt = tonumber(ARGV[3])
for i = 2, #KEYS do
  local invalidatedAt = redis.call('GET', KEYS[i] .. ':at')
  if invalidatedAt and tonumber(invalidatedAt) >= computedAt then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  if redis.call('TTL', KEYS[i]) < tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[i], ARGV[2]) end
end
return 1
`;

const INVALIDATE_SCRIPT = `
local dropped = 0
for i = 1, #KEYS do
  local members = redis.call('SMEMBERS', KEYS[i])
  for _, key in ipairs(members) do dropped = dropped + redis.call('DEL', key) end
  redis.call('DEL', KEYS[i])
  redis.call('SET', KEYS[i] .. ':at', ARGV[1], 'EX', ARGV[2])
end
return dropped
`;

/** rate-limiter-flexible's fixed-window increment (the same counter), then the entries. */
const CHARGED_GET_SCRIPT = `
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
local consumed = redis.call('INCRBY', KEYS[1], 1)
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local result = { consumed }
for i = 2, #KEYS do result[i] = redis.call('GET', KEYS[i]) end
return result
`;

export class RedisCacheStore implements CacheStore {
  private readonly redis: Redis;

  constructor(
    readonly redisUrl: string,
    private readonly prefix = 'sf:',
  ) {
    // Fail fast when Redis is away: a cache miss is better than a request waiting on it.
    // Commands queue while (re)connecting, each bounded by commandTimeout.
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 1_000, connectTimeout: 2_000 });
    this.redis.on('error', () => undefined);
    this.redis.defineCommand('cacheSet', { lua: SET_SCRIPT });
    this.redis.defineCommand('cacheInvalidate', { lua: INVALIDATE_SCRIPT });
    this.redis.defineCommand('cacheChargedGet', { lua: CHARGED_GET_SCRIPT });
  }

  private tagKey(tag: string): string {
    return `${this.prefix}tag:${tag}`;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }

  async getMany(keys: readonly string[]): Promise<Array<Buffer | undefined>> {
    const values = await this.redis.mgetBuffer(keys.map((key) => this.prefix + key));
    return values.map((value) => value ?? undefined);
  }

  async getManyCharging(keys: readonly string[], counter: RedisCounter): Promise<{ values: Array<Buffer | undefined>; consumed: number }> {
    const redisKeys = [counter.key, ...keys.map((key) => this.prefix + key)];
    const [consumed, ...values] = await (
      this.redis as unknown as { cacheChargedGetBuffer(n: number, ...args: Array<string | number>): Promise<[number, ...Array<Buffer | null>]> }
    ).cacheChargedGetBuffer(redisKeys.length, ...redisKeys, counter.durationSeconds);
    return { consumed, values: values.map((value) => value ?? undefined) };
  }

  async set(key: string, value: string, ttlSeconds: number, tags: readonly string[], computedAt: number): Promise<boolean> {
    const keys = [this.prefix + key, ...tags.map((tag) => this.tagKey(tag))];
    const stored = await (this.redis as unknown as { cacheSet(n: number, ...args: Array<string | number>): Promise<number> }).cacheSet(
      keys.length,
      ...keys,
      value,
      ttlSeconds,
      computedAt,
    );
    return stored === 1;
  }

  async invalidate(tags: readonly string[]): Promise<number> {
    if (tags.length === 0) return 0;
    const keys = tags.map((tag) => this.tagKey(tag));
    return (this.redis as unknown as { cacheInvalidate(n: number, ...args: Array<string | number>): Promise<number> }).cacheInvalidate(
      keys.length,
      ...keys,
      Date.now(),
      INVALIDATION_MEMORY_SECONDS,
    );
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.set(this.prefix + key, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  async put(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.prefix + key, value, 'EX', ttlSeconds);
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** The same store in process, for `npm start` without Redis and for one-instance setups. */
export class MemoryCacheStore implements CacheStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private readonly tags = new Map<string, Set<string>>();
  private readonly invalidatedAt = new Map<string, number>();

  constructor(private readonly maxEntries = 10_000) {}

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async getMany(keys: readonly string[]): Promise<Array<Buffer | undefined>> {
    return Promise.all(keys.map(async (key) => {
      const value = await this.get(key);
      return value === undefined ? undefined : Buffer.from(value);
    }));
  }

  async set(key: string, value: string, ttlSeconds: number, tags: readonly string[], computedAt: number): Promise<boolean> {
    if (tags.some((tag) => (this.invalidatedAt.get(tag) ?? -1) >= computedAt)) return false;
    this.makeRoom();
    this.entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
    for (const tag of tags) {
      let keys = this.tags.get(tag);
      if (!keys) this.tags.set(tag, (keys = new Set()));
      keys.add(key);
    }
    return true;
  }

  async invalidate(tags: readonly string[]): Promise<number> {
    let dropped = 0;
    const now = Date.now();
    for (const [tag, at] of this.invalidatedAt) {
      if (now - at > INVALIDATION_MEMORY_SECONDS * 1000) this.invalidatedAt.delete(tag);
    }
    for (const tag of tags) {
      for (const key of this.tags.get(tag) ?? []) if (this.entries.delete(key)) dropped += 1;
      this.tags.delete(tag);
      this.invalidatedAt.set(tag, now);
    }
    return dropped;
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    if ((await this.get(key)) !== undefined) return false;
    this.entries.set(key, { value: '1', expiresAt: Date.now() + ttlSeconds * 1000 });
    return true;
  }

  async put(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.makeRoom();
    this.entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  /** Keeps the store bounded (plain values too, e.g. persisted queries): the oldest entry goes first. */
  private makeRoom(): void {
    if (this.entries.size < this.maxEntries) return;
    // Map keeps insertion order.
    const oldest = this.entries.keys().next().value;
    if (oldest !== undefined) this.entries.delete(oldest);
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.tags.clear();
  }
}

export function createCacheStore(redisUrl: string | undefined, prefix?: string): CacheStore {
  return redisUrl ? new RedisCacheStore(redisUrl, prefix) : new MemoryCacheStore();
}
