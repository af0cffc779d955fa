/// <reference path="./cluster-key-slot.d.ts" />
import type { RedisConnection } from '@storefront/config';
import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

export type { RedisConnection } from '@storefront/config';

/** A connection to one Redis server or to a Redis Cluster: the same commands, routed by key on a cluster. */
export type RedisClient = Redis | Cluster;

/** Connection settings for one client; on a cluster they apply to each node's connection. */
export type RedisClientOptions = Omit<
  RedisOptions,
  'host' | 'port' | 'path' | 'sentinels' | 'retryStrategy' | 'enableOfflineQueue' | 'readOnly'
>;

/**
 * The one way the project connects to Redis: ioredis' client for a single server, its cluster
 * client for a Redis Cluster (which learns the slot map from the given nodes and follows
 * MOVED/ASK redirections). Keys used together in one script or transaction must share a hash
 * slot on a cluster, so callers hash-tag them (`{...}`); see the README's Redis Cluster section.
 */
export function createRedisClient(
  connection: RedisConnection,
  options: RedisClientOptions = {},
  {
    failWhileDown = false,
  }: {
    /**
     * Commands fail at once while the client has no connection, for callers with a fallback
     * (a cache miss, in-process counters) that must not wait. On one server `commandTimeout`
     * and `maxRetriesPerRequest` already bound the wait; a cluster client queues commands
     * without any bound until it has a slot map again, so it queues none.
     */
    failWhileDown?: boolean;
  } = {},
): RedisClient {
  if (connection.kind === 'standalone') return new Redis(connection.url, options);
  return new Cluster(connection.nodes, { redisOptions: options, enableOfflineQueue: !failWhileDown });
}

/** A function that opens new connections to one Redis, e.g. for each blocking reader. */
export type RedisClientFactory = (options?: RedisClientOptions) => RedisClient;

/** Connections that wait for Redis while it is away (e.g. a bus's readers). */
export function redisClientFactory(connection: RedisConnection): RedisClientFactory {
  return (options) => createRedisClient(connection, options);
}

/** True for a cluster client: multi-key commands then need their keys in one slot. */
export function isCluster(client: RedisClient): client is Cluster {
  return client.isCluster;
}

/**
 * `text` as a hash tag: Redis Cluster hashes only what is between the first `{` and the next
 * `}`, so keys carrying the same tag share a slot. Braces inside `text` would end the tag
 * early; they are replaced.
 */
export function hashTag(text: string): string {
  return `{${text.replace(/[{}]/g, '_')}}`;
}

/** True when Redis Cluster would hash `key` by a tag: a `{` followed, later, by a `}` with something between them. */
function hasHashTag(key: string): boolean {
  const open = key.indexOf('{');
  return open >= 0 && key.indexOf('}', open + 1) > open + 1;
}

/**
 * A key in the same hash slot as `key`, ending in `suffix`: `key` + suffix when `key` carries a
 * hash tag, else `{key}` + suffix, which hashes as the untagged `key` does (for keys without
 * braces, which is every key the project builds).
 */
export function keyInSlotOf(key: string, suffix: string): string {
  return hasHashTag(key) ? `${key}${suffix}` : `{${key}}${suffix}`;
}

/** The keys' positions grouped by hash slot, in order of first appearance. */
export function groupBySlot(keys: readonly string[]): number[][] {
  const groups = new Map<number, number[]>();
  keys.forEach((key, index) => {
    const slot = calculateSlot(key);
    const group = groups.get(slot);
    if (group) group.push(index);
    else groups.set(slot, [index]);
  });
  return [...groups.values()];
}

/** The values of `keys`, in order, as bytes: one MGET on a server; on a cluster one MGET per slot, in parallel. */
export async function getBuffers(client: RedisClient, keys: readonly string[]): Promise<Array<Buffer | null>> {
  if (keys.length === 0) return [];
  if (!isCluster(client) || keys.length === 1) return client.mgetBuffer(...keys);
  const values: Array<Buffer | null> = [];
  await Promise.all(
    groupBySlot(keys).map(async (positions) => {
      const found = await client.mgetBuffer(...positions.map((position) => keys[position]!));
      positions.forEach((position, index) => (values[position] = found[index] ?? null));
    }),
  );
  return values;
}

/** Deletes `keys`, returning how many existed: one DEL on a server; on a cluster one per slot, in parallel. */
export async function deleteKeys(client: RedisClient, keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return 0;
  if (!isCluster(client)) return client.del(...keys);
  const counts = await Promise.all(
    groupBySlot(keys).map((positions) => client.del(...positions.map((position) => keys[position]!))),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

/** The Redis Cluster hash slot (0..16383) of a key: of its hash tag when it has one. */
export function keySlot(key: string): number {
  return calculateSlot(key);
}

/**
 * The hash tag of a signed-in user's keys: their request counter and their own cached
 * responses share its slot, so a BFF looks up and counts a hit in one script on a cluster too.
 */
export function userHashTag(userId: string): string {
  return hashTag(`user:${userId}`);
}
