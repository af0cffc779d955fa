import { INVALIDATION_MEMORY_SECONDS, RedisCacheStore, type CacheStore } from './cache-store.js';
import type { RedisConnection } from '@storefront/redis';
import type { CacheTag } from '@storefront/events';

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
    return Promise.all(
      keys.map(async (key) => {
        const value = await this.get(key);
        return value === undefined ? undefined : Buffer.from(value);
      }),
    );
  }

  async set(key: string, value: string, ttlSeconds: number, tags: readonly CacheTag[], computedAt: number): Promise<boolean> {
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

  async invalidate(tags: readonly CacheTag[]): Promise<number> {
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

/** The Redis store when there is a Redis, else the in-process one. */
export function createCacheStore(redis: RedisConnection | undefined, prefix?: string): CacheStore {
  return redis ? new RedisCacheStore(redis, prefix) : new MemoryCacheStore();
}
