import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { answering, deleteTestKeys, redisTargets } from '@storefront/testing';
import { afterAll, describe, expect, it } from '@jest/globals';
import { RedisCacheStore, type CacheStore } from './cache-store.js';
import { MemoryCacheStore } from './memory-cache-store.js';
import {
  persistedQueryCache,
  persistedQueryId,
  readPersistedQueryManifest,
  type ManifestOperation,
} from './persisted-queries.js';

const appQuery = 'query Home { home { featured { id } } }';
const manifest = new Map<string, ManifestOperation>([
  [persistedQueryId(appQuery), { id: persistedQueryId(appQuery), name: 'Home', type: 'query', body: appQuery }],
]);
const other = 'query Other { products { nodes { id } } }';
// Apollo Server asks its APQ cache for `apq:<sha256>`.
const key = (query: string) => `apq:${persistedQueryId(query)}`;

const prefix = `sf:test:${randomBytes(4).toString('hex')}:`;
const redis = redisTargets();
const stores: Array<[string, () => Promise<CacheStore>]> = [
  ['in process', async () => new MemoryCacheStore()],
  ...redis.map(([name, connect]): [string, () => Promise<CacheStore>] => [
    `${name} Redis`,
    async () => {
      const store = new RedisCacheStore(await connect(), prefix);
      await answering(() => store.ping());
      return store;
    },
  ]),
];

afterAll(async () => {
  for (const [, connect] of redis) await deleteTestKeys(await connect(), prefix);
});

describe.each(stores)('persistedQueryCache on the %s store', (_name, createStore) => {
  it('registers, finds and forgets queries', async () => {
    const store = await createStore();
    const cache = persistedQueryCache(store, { namespace: 'test' });
    expect(await cache.get(key(other))).toBeUndefined();
    await cache.set(key(other), other);
    expect(await cache.get(key(other))).toBe(other);
    expect(await store.get(`pq:test:${key(other)}`)).toBe(other);
    await cache.delete(key(other));
    expect(await cache.get(key(other))).toBeUndefined();
    await store.close();
  });

  it("finds the manifest's operations without registration, and keeps namespaces apart", async () => {
    const store = await createStore();
    const cache = persistedQueryCache(store, { namespace: 'one', manifest });
    expect(await cache.get(key(appQuery))).toBe(appQuery);
    await cache.set(key(other), other);
    expect(await persistedQueryCache(store, { namespace: 'two' }).get(key(other))).toBeUndefined();
    await store.close();
  });

  it("with manifestOnly, finds the manifest's operations only and registers nothing", async () => {
    const store = await createStore();
    const open = persistedQueryCache(store, { namespace: 'safelist' });
    await open.set(key(other), other);
    const safelist = persistedQueryCache(store, { namespace: 'safelist', manifest, manifestOnly: true });
    expect(await safelist.get(key(appQuery))).toBe(appQuery);
    expect(await safelist.get(key(other))).toBeUndefined();
    const another = 'query Another { home { categories { id } } }';
    await safelist.set(key(another), another);
    expect(await open.get(key(another))).toBeUndefined();
    await store.close();
  });
});

describe('persistedQueryCache', () => {
  it('answers a miss when the store is away, so the client sends its document', async () => {
    const store = new RedisCacheStore({ kind: 'standalone', url: 'redis://127.0.0.1:1' }, prefix);
    const cache = persistedQueryCache(store, { namespace: 'test', manifest });
    expect(await cache.get(key(other))).toBeUndefined();
    expect(await cache.get(key(appQuery))).toBe(appQuery);
    await store.close();
  });

  it('keeps the in-process store bounded', async () => {
    const store = new MemoryCacheStore(2);
    const cache = persistedQueryCache(store, { namespace: 'test' });
    const queries = ['query A { a }', 'query B { b }', 'query C { c }'];
    for (const query of queries) await cache.set(key(query), query);
    expect(await cache.get(key(queries[0]!))).toBeUndefined();
    expect(await cache.get(key(queries[2]!))).toBe(queries[2]);
  });
});

describe('readPersistedQueryManifest', () => {
  const write = (content: unknown) => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'manifest-')), 'persisted-queries.json');
    writeFileSync(file, JSON.stringify(content));
    return file;
  };

  it('reads an Apollo persisted query manifest', () => {
    const file = write({ format: 'apollo-persisted-query-manifest', version: 1, operations: [...manifest.values()] });
    expect([...readPersistedQueryManifest(file).keys()]).toEqual([...manifest.keys()]);
  });

  it('refuses an id that is not the hash of its body, and other formats', () => {
    const edited = { ...[...manifest.values()][0]!, body: `${appQuery} ` };
    expect(() =>
      readPersistedQueryManifest(write({ format: 'apollo-persisted-query-manifest', version: 1, operations: [edited] })),
    ).toThrow(/not the sha256 of its body/);
    expect(() => readPersistedQueryManifest(write({ operations: [] }))).toThrow(/not an apollo-persisted-query-manifest/);
  });
});
