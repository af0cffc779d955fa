import { z } from 'zod';
import { ConfigError } from './config-error.js';

/** One node of a Redis Cluster, as ioredis' cluster client takes it. */
export interface RedisClusterNode {
  host: string;
  port: number;
}

/** The Redis a service uses: one server, or a Redis Cluster reached through some of its nodes. */
export type RedisConnection = { kind: 'standalone'; url: string } | { kind: 'cluster'; nodes: RedisClusterNode[] };

/** `host:port` or `[ipv6]:port`. */
const NODE = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/;

/** `REDIS_CLUSTER_NODES`: comma-separated `host:port` of cluster nodes (a few are enough: the client discovers the rest). */
export const redisClusterNodes = z.string().transform((value, ctx): RedisClusterNode[] => {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const nodes: RedisClusterNode[] = [];
  for (const entry of entries) {
    const match = NODE.exec(entry);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65_535) {
      ctx.addIssue({ code: 'custom', message: `not host:port: ${entry}` });
      return z.NEVER;
    }
    nodes.push({ host: match[1] ?? match[2]!, port });
  }
  if (nodes.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'names no node (host:port,host:port,...)' });
    return z.NEVER;
  }
  return nodes;
});

/**
 * Where a service's Redis is: `REDIS_URL` for one server, or `REDIS_CLUSTER_NODES` for a
 * Redis Cluster; setting both is an error. Neither: the service keeps that state in process.
 */
export const redisShape = {
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_CLUSTER_NODES: redisClusterNodes.optional(),
};

interface RedisSettings {
  REDIS_URL?: string | undefined;
  REDIS_CLUSTER_NODES?: RedisClusterNode[] | undefined;
}

/** The connection `REDIS_URL` / `REDIS_CLUSTER_NODES` describe; throws when both are set. */
export function redisConnection(config: RedisSettings): RedisConnection | undefined {
  if (config.REDIS_URL && config.REDIS_CLUSTER_NODES) {
    throw new ConfigError(
      'Invalid configuration:\n  REDIS_URL, REDIS_CLUSTER_NODES: set one of them (one server, or the nodes of a Redis Cluster), not both',
    );
  }
  if (config.REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes: config.REDIS_CLUSTER_NODES };
  return config.REDIS_URL ? { kind: 'standalone', url: config.REDIS_URL } : undefined;
}

/** A loaded config plus `redis`, its Redis connection; throws (naming both variables) when both are set. */
export function withRedisConnection<Config extends RedisSettings>(
  config: Config,
): Readonly<Config & { redis: RedisConnection | undefined }> {
  return Object.freeze({ ...config, redis: redisConnection(config) });
}

/** True when both connections lead to the same Redis (the same URL, or the same cluster nodes). */
export function sameRedis(a: RedisConnection | undefined, b: RedisConnection | undefined): boolean {
  if (!a || !b || a.kind !== b.kind) return false;
  if (a.kind === 'standalone') return a.url === (b as typeof a).url;
  const names = (nodes: RedisClusterNode[]) =>
    nodes
      .map((node) => `${node.host}:${node.port}`)
      .sort()
      .join(',');
  return names(a.nodes) === names((b as typeof a).nodes);
}
