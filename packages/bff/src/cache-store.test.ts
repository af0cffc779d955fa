import { randomBytes } from 'node:crypto';
import { keySlot, userHashTag, type RedisConnection } from '@storefront/redis';
import { answering, deleteTestKeys, redisTargets } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RedisCacheStore } from './cache-store.js';

const targets = redisTargets();

describe.each(targets)('RedisCacheStore on %s Redis', (_name, connect) => {
  const prefix = `sf:test:${randomBytes(4).toString('hex')}:`;
  let connection: RedisConnection;
  let store: RedisCacheStore;

  beforeAll(async () => {
    connection = await connect();
    store = new RedisCacheStore(connection, prefix);
    await answering(() => store.ping());
  });
  afterAll(async () => {
    await store?.close();
    if (connection) await deleteTestKeys(connection, prefix);
  });

  it('drops, on invalidation, every entry of a tag wherever its slot, and only those', async () => {
    // Entries enough to land in different slots (and, on the cluster, on different nodes).
    const tagged = Array.from({ length: 12 }, (_, index) => `cache:web:public:tagged-${index}`);
    const other = 'cache:web:public:other';
    for (const key of tagged)
      expect(await store.set(key, `value of ${key}`, 60, ['product:1', 'listings'], Date.now())).toBe(true);
    expect(await store.set(other, 'other', 60, ['product:2'], Date.now())).toBe(true);
    expect(new Set(tagged.map((key) => keySlot(prefix + key))).size).toBeGreaterThan(1);

    expect(await store.getMany([tagged[0]!, other])).toEqual([Buffer.from(`value of ${tagged[0]}`), Buffer.from('other')]);
    expect(await store.invalidate(['product:1'])).toBe(tagged.length);
    expect((await store.getMany(tagged)).every((value) => value === undefined)).toBe(true);
    expect(await store.get(other)).toBe('other');
    // Their other tag still lists them, but they are gone: nothing left to drop.
    expect(await store.invalidate(['listings'])).toBe(0);
  });

  it('refuses an entry computed before one of its tags was invalidated, and keeps one computed after', async () => {
    const computedAt = Date.now() - 1_000;
    await store.invalidate(['product:3']);
    expect(await store.set('cache:web:public:stale', 'stale', 60, ['product:4', 'product:3'], computedAt)).toBe(false);
    expect(await store.get('cache:web:public:stale')).toBeUndefined();
    expect(await store.set('cache:web:public:fresh', 'fresh', 60, ['product:4', 'product:3'], Date.now() + 1)).toBe(true);
    expect(await store.get('cache:web:public:fresh')).toBe('fresh');
  });

  it("reads a caller's own and the shared entry while counting the request, in the counter's window", async () => {
    const own = `cache:web:${userHashTag('u1')}:page`;
    const counter = { key: `${prefix}rl:web:user:${userHashTag('u1')}`, points: 2, durationSeconds: 60 };
    // The caller's own entry and counter share a slot: one script counts and reads it on a cluster too.
    expect(keySlot(prefix + own)).toBe(keySlot(counter.key));
    await store.set(own, 'own', 60, ['user:u1'], Date.now());
    await store.set('cache:web:public:page', 'shared', 60, [], Date.now());

    const first = await store.getManyCharging([own, 'cache:web:public:page'], counter);
    expect(first).toEqual({ consumed: 1, values: [Buffer.from('own'), Buffer.from('shared')] });
    const second = await store.getManyCharging(['cache:web:public:page', 'cache:web:public:absent'], counter);
    expect(second).toEqual({ consumed: 2, values: [Buffer.from('shared'), undefined] });
  });

  it('claims a key once, and keeps plain values until deleted', async () => {
    expect(await store.claim('refresh-lock:a', 10)).toBe(true);
    expect(await store.claim('refresh-lock:a', 10)).toBe(false);
    await store.put('refresh:a', '{"accessToken":"x"}', 30);
    expect(await store.get('refresh:a')).toBe('{"accessToken":"x"}');
    await store.delete('refresh:a');
    expect(await store.get('refresh:a')).toBeUndefined();
    expect(await store.ping()).toBe(true);
  });
});
