import type { RedisCounter } from '@storefront/rate-limits';
import type { CacheTag } from '@storefront/events';
import {
  createRedisClient,
  deleteKeys,
  getBuffers,
  hashTag,
  isCluster,
  keySlot,
  type RedisClient,
  type RedisConnection,
} from '@storefront/redis';

/**
 * Where BFF responses are cached. Entries carry tags (see cache-tags.ts of @storefront/events) so that
 * a change to an entity drops exactly the entries built from it. Tags are shared by every
 * BFF on the same store, so the web BFF's product update also clears mobile's entries.
 */
export interface CacheStore {
  /** The Redis the store lives on (a server or a cluster); undefined in process. */
  readonly redis?: RedisConnection | undefined;
  get(key: string): Promise<string | undefined>;
  /** Several keys in one round trip, in order, as bytes (a cached response is sent as it is stored). */
  getMany(keys: readonly string[]): Promise<Array<Buffer | undefined>>;
  /**
   * `getMany` that also takes a point from a request counter living on the same Redis, in
   * the same script (one command for a cache hit); absent on stores without Redis.
   */
  getManyCharging?(
    keys: readonly string[],
    counter: RedisCounter,
  ): Promise<{ values: Array<Buffer | undefined>; consumed: number }>;
  /**
   * Stores `value` unless one of `tags` was invalidated after `computedAt` (the start of the
   * request that computed it): a response built from data that changed meanwhile is stale.
   */
  set(key: string, value: string, ttlSeconds: number, tags: readonly CacheTag[], computedAt: number): Promise<boolean>;
  /** Drops every entry carrying one of `tags`; returns how many were dropped. */
  invalidate(tags: readonly CacheTag[]): Promise<number>;
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
export const INVALIDATION_MEMORY_SECONDS = 600;

/**
 * Indexes an entry under its tags unless one of them was invalidated at or after the request
 * that computed it started; with the entry itself as the last key, also stores it.
 * KEYS: (tag index, its invalidation time) pairs, then maybe the entry.
 * ARGV: the entry's key, its TTL, computedAt, its value.
 */
const INDEX_SCRIPT = `
local tagCount = math.floor(#KEYS / 2)
local ttl, computedAt = tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 1, tagCount do
  local invalidatedAt = redis.call('GET', KEYS[2 * i])
  if invalidatedAt and tonumber(invalidatedAt) >= computedAt then return 0 end
end
for i = 1, tagCount do
  redis.call('SADD', KEYS[2 * i - 1], ARGV[1])
  if redis.call('TTL', KEYS[2 * i - 1]) < ttl then redis.call('EXPIRE', KEYS[2 * i - 1], ttl) end
end
if #KEYS % 2 == 1 then redis.call('SET', KEYS[#KEYS], ARGV[4], 'EX', ttl) end
return 1
`;

/**
 * Empties tag indexes and records when, returning the entries they listed (for the caller to
 * delete: on a cluster they live in other slots).
 * KEYS: (tag index, its invalidation time) pairs. ARGV: now, how long to remember it.
 */
const DROP_TAGS_SCRIPT = `
local entries = {}
for i = 1, #KEYS, 2 do
  for _, key in ipairs(redis.call('SMEMBERS', KEYS[i])) do entries[#entries + 1] = key end
  redis.call('DEL', KEYS[i])
  redis.call('SET', KEYS[i + 1], ARGV[1], 'EX', ARGV[2])
end
return entries
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

interface CacheScripts {
  cacheIndex(n: number, ...args: Array<string | number>): Promise<number>;
  cacheDropTags(n: number, ...args: Array<string | number>): Promise<string[]>;
  cacheChargedGetBuffer(n: number, ...args: Array<string | number>): Promise<[number, ...Array<Buffer | null>]>;
}

/**
 * The store on Redis: one server, or a Redis Cluster. Key layout (after the prefix):
 * - `cache:<client>:public:<hash>`: a shared entry, in a slot of its own;
 * - `cache:<client>:{user:<id>}:<hash>`: a user's own entry, in the slot of the user's request
 *   counter (see RequestRateLimiter), so a hit is looked up and counted in one script;
 * - `tag:{<tag>}` (the entries carrying the tag) and `tag:{<tag>}:at` (when it was last
 *   invalidated) share the tag's slot; tags spread over the cluster like the entries do.
 * On a single server every multi-key step runs in one script. On a cluster a script only
 * touches keys of one slot, so a write and an invalidation visit each slot in turn, in an
 * order that still never leaves a stale entry behind (see `set` and `invalidate`).
 */
export class RedisCacheStore implements CacheStore {
  private readonly client: RedisClient;
  private readonly scripts: CacheScripts;

  constructor(
    readonly redis: RedisConnection,
    private readonly prefix = 'sf:',
  ) {
    // Fail fast when Redis is away: a cache miss is better than a request waiting on it.
    // Commands queue while a server (re)connects, each bounded by commandTimeout; a cluster
    // client without its slot map refuses them.
    this.client = createRedisClient(
      redis,
      { maxRetriesPerRequest: 1, commandTimeout: 1_000, connectTimeout: 2_000 },
      { failWhileDown: true },
    );
    this.client.on('error', () => undefined);
    this.client.defineCommand('cacheIndex', { lua: INDEX_SCRIPT });
    this.client.defineCommand('cacheDropTags', { lua: DROP_TAGS_SCRIPT });
    this.client.defineCommand('cacheChargedGet', { lua: CHARGED_GET_SCRIPT });
    this.scripts = this.client as unknown as CacheScripts;
  }

  /** A tag's index and its invalidation time, in the tag's slot. */
  private tagKeys(tag: string): [index: string, invalidatedAt: string] {
    const index = `${this.prefix}tag:${hashTag(tag)}`;
    return [index, `${index}:at`];
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.client.get(this.prefix + key)) ?? undefined;
  }

  async getMany(keys: readonly string[]): Promise<Array<Buffer | undefined>> {
    const values = await getBuffers(
      this.client,
      keys.map((key) => this.prefix + key),
    );
    return values.map((value) => value ?? undefined);
  }

  /**
   * One script on a single server. On a cluster the script takes the entries in the counter's
   * slot (a signed-in caller's own entry) and the others (the shared entry) are read beside
   * it, in parallel: still one round trip of waiting, in two commands.
   */
  async getManyCharging(
    keys: readonly string[],
    counter: RedisCounter,
  ): Promise<{ values: Array<Buffer | undefined>; consumed: number }> {
    const entryKeys = keys.map((key) => this.prefix + key);
    if (!isCluster(this.client)) {
      const [consumed, values] = await this.chargedGet(counter, entryKeys);
      return { consumed, values: values.map((value) => value ?? undefined) };
    }
    const counterSlot = keySlot(counter.key);
    const charged = entryKeys.filter((key) => keySlot(key) === counterSlot);
    const apart = entryKeys.filter((key) => keySlot(key) !== counterSlot);
    const [[consumed, chargedValues], apartValues] = await Promise.all([
      this.chargedGet(counter, charged),
      getBuffers(this.client, apart),
    ]);
    const valueOf = (key: string) =>
      charged.includes(key) ? chargedValues[charged.indexOf(key)] : apartValues[apart.indexOf(key)];
    return { consumed, values: entryKeys.map((key) => valueOf(key) ?? undefined) };
  }

  private async chargedGet(
    counter: RedisCounter,
    keys: readonly string[],
  ): Promise<[consumed: number, values: Array<Buffer | null>]> {
    const [consumed, ...values] = await this.scripts.cacheChargedGetBuffer(
      keys.length + 1,
      counter.key,
      ...keys,
      counter.durationSeconds,
    );
    return [consumed, values];
  }

  async set(key: string, value: string, ttlSeconds: number, tags: readonly CacheTag[], computedAt: number): Promise<boolean> {
    const entryKey = this.prefix + key;
    const args = [entryKey, ttlSeconds, computedAt] as const;
    const tagKeys = tags.map((tag) => this.tagKeys(tag));
    if (!isCluster(this.client)) {
      return (await this.scripts.cacheIndex(tagKeys.length * 2 + 1, ...tagKeys.flat(), entryKey, ...args, value)) === 1;
    }
    // Index first (each tag in its own slot), store, then look at the tags again: an
    // invalidation that read an index before the entry existed has recorded its time by
    // then, and the entry it could not delete is deleted here.
    const indexed = await Promise.all(tagKeys.map((pair) => this.scripts.cacheIndex(2, ...pair, ...args)));
    if (indexed.includes(0)) return false;
    await this.client.set(entryKey, value, 'EX', ttlSeconds);
    const invalidatedAt = await getBuffers(
      this.client,
      tagKeys.map(([, at]) => at),
    );
    if (invalidatedAt.some((at) => at !== null && Number(at) >= computedAt)) {
      await this.client.del(entryKey);
      return false;
    }
    return true;
  }

  /**
   * Empties the tags' indexes and records the time (each tag in its slot: one script on a
   * single server, one per tag on a cluster), then deletes the entries they listed, wherever
   * they live. A write racing with it sees the recorded time and does not keep its entry.
   */
  async invalidate(tags: readonly CacheTag[]): Promise<number> {
    if (tags.length === 0) return 0;
    const tagKeys = tags.map((tag) => this.tagKeys(tag));
    const batches = isCluster(this.client) ? tagKeys : [tagKeys.flat()];
    const listed = await Promise.all(
      batches.map((keys) => this.scripts.cacheDropTags(keys.length, ...keys, Date.now(), INVALIDATION_MEMORY_SECONDS)),
    );
    return deleteKeys(this.client, [...new Set(listed.flat())]);
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    return (await this.client.set(this.prefix + key, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  async put(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.client.set(this.prefix + key, value, 'EX', ttlSeconds);
  }

  async delete(key: string): Promise<void> {
    await this.client.del(this.prefix + key);
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
