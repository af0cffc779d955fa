import { createRedisClient, type RedisClient, type RedisConnection } from '@storefront/redis';

/**
 * A Redis client for records this process can fall back on (nonces, revoked sessions): each
 * command waits half a second at most and fails at once while Redis is away (a cluster client
 * would queue without limit), so the process's own record decides then. Connection errors are
 * left to the commands that meet them.
 */
export function failFastRedis(connection: RedisConnection): RedisClient {
  const redis = createRedisClient(
    connection,
    { maxRetriesPerRequest: 1, commandTimeout: 500, connectTimeout: 2_000 },
    { failWhileDown: true },
  );
  redis.on('error', () => undefined);
  return redis;
}
