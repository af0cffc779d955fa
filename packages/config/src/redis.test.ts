import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig, redisShape, withRedisConnection } from './index.js';

const load = (env: NodeJS.ProcessEnv) => withRedisConnection(loadConfig(redisShape, env)).redis;

describe('REDIS_URL and REDIS_CLUSTER_NODES', () => {
  it('describe one server, a cluster by some of its nodes, or nothing (state in process)', () => {
    expect(load({})).toBeUndefined();
    expect(load({ REDIS_URL: 'redis://cache:6379/0' })).toEqual({ kind: 'standalone', url: 'redis://cache:6379/0' });
    expect(load({ REDIS_CLUSTER_NODES: 'redis-0.redis:6379, 10.0.0.7:7001,[fd00::1]:7002' })).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'redis-0.redis', port: 6379 },
        { host: '10.0.0.7', port: 7001 },
        { host: 'fd00::1', port: 7002 },
      ],
    });
  });

  it('stop the service naming the variable when a node is not host:port, or when both are set', () => {
    for (const bad of ['redis-0', 'redis-0:', 'redis-0:70000', 'redis://redis-0:6379', ',']) {
      expect(() => load({ REDIS_CLUSTER_NODES: bad })).toThrow(ConfigError);
      expect(() => load({ REDIS_CLUSTER_NODES: bad })).toThrow(/REDIS_CLUSTER_NODES/);
    }
    expect(() => load({ REDIS_URL: 'redis://cache:6379', REDIS_CLUSTER_NODES: 'redis-0:6379' })).toThrow(
      /REDIS_URL, REDIS_CLUSTER_NODES: set one/,
    );
  });
});
