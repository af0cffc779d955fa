import { assertProductionSecrets, loadConfig, port, postgresUrl, subgraphShape, z } from '@storefront/config';
import { redisShape, withRedisConnection } from '@storefront/config';
import { loginLimitShape, rateLimitKeyPrefix, sessionRevocationShape } from '@storefront/config';

const shape = {
  ...subgraphShape(),
  USERS_PORT: port(4001),
  USERS_DATABASE_URL: postgresUrl.optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** scrypt cost; lower it only in tests. */
  SCRYPT_COST: z.coerce.number().int().min(1024).default(16_384),
  /**
   * Failed sign-ins (logIn, signUp) per account and per client address (the one the gateway
   * names), whoever calls: the BFFs count the same failures in front, so their limits apply
   * first, and a client calling the gateway directly meets these (LOGIN_ATTEMPTS_*).
   */
  ...loginLimitShape(),
  RATE_LIMIT_KEY_PREFIX: rateLimitKeyPrefix,
  /** Where ended sessions are recorded for the gateway and BFFs (SESSION_REVOCATION_*). */
  ...sessionRevocationShape(),
  /** Redis for the attempt counters and ended sessions, shared with the other services; unset → in process. */
  ...redisShape,
};

export type UsersConfig = ReturnType<typeof loadUsersConfig>;

export function loadUsersConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(shape, env);
  assertProductionSecrets(config, ['JWT_SECRET', 'SUBGRAPH_SECRET']);
  return withRedisConnection(config);
}
