import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { subgraphTrustShape } from './operations.js';
import { secret } from './secrets.js';

export { z };
export { ConfigError } from './config-error.js';
export { DEVELOPMENT_SECRET, assertProductionSecrets, secret } from './secrets.js';

/**
 * Parses `env` against `shape` into one typed, frozen config object. Every problem is
 * reported at once, each line naming the variable, so a bad deploy fails fast and clearly.
 */
export function loadConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<z.infer<z.ZodObject<Shape>>> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    input[key] = value === '' ? undefined : value;
  }
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '(unknown)');
      return `  ${variable}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}

export const nodeEnv = z.enum(['development', 'test', 'production']).default('development');

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

export const httpUrl = z.url({ protocol: /^https?$/ });

export const postgresUrl = z.url({ protocol: /^postgres(ql)?$/ });

export const milliseconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Runs `main`, printing a ConfigError as a one-paragraph message instead of a stack trace. */
export async function runService(main: () => Promise<unknown>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
    } else {
      console.error(error);
    }
    process.exit(1);
  }
}

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/**
 * `HOST`: the address a service listens on: an IPv4 or IPv6 address (`0.0.0.0`, all IPv4
 * interfaces, by default; `::` for all interfaces of both families, `127.0.0.1` for this
 * machine only) or a host name that resolves to one (`localhost`).
 */
export const listenHost = z
  .string()
  .trim()
  .refine(
    (value) =>
      isIP(value) !== 0 ||
      /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(
        value,
      ),
    {
      error: 'must be an IP address or a host name',
    },
  )
  .default('0.0.0.0');

/** Settings every service reads. */
export const serviceShape = {
  NODE_ENV: nodeEnv,
  LOG_LEVEL: logLevel,
  HOST: listenHost,
  HEAP_GROWING_PERCENT: heapGrowingPercent(50),
  /**
   * After SIGTERM, how long the service keeps serving with readiness at 503 before it closes
   * its listener, so a load balancer stops routing to it first (stopOnSignals in
   * @storefront/http-server). Unset: 5000 in production, 0 elsewhere.
   */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(300_000).optional(),
};

/**
 * `HEAP_GROWING_PERCENT`: the old generation is collected once it grows this many percent past
 * what the last full collection kept (V8's --heap-growing-percent; 0: V8's own sizing, up to
 * 4x). See limitHeapGrowth in @storefront/http-server. Lower keeps RSS nearer the live set, at the
 * cost of more full collections: the BFFs, whose live set is small, default higher.
 */
export function heapGrowingPercent(defaultPercent: number) {
  return z.coerce.number().int().min(0).max(300).default(defaultPercent);
}

/**
 * Settings of a service with a database. A domain's URL comes from `<DOMAIN>_DATABASE_URL`
 * (declared by the service) or from the server in `DATABASE_URL` plus `DATABASE_NAME_PREFIX`;
 * with neither, the service runs on the embedded Postgres.
 */
export const databaseShape = {
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_NAME_PREFIX: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'lower-case letters, digits and _ only')
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
};

/**
 * Settings every domain subgraph has, besides its port and `<DOMAIN>_DATABASE_URL`: the
 * service's and the database's, the JWT secret it verifies callers' tokens with, and the
 * secret that signs (the gateway, a subgraph calling another) and verifies (subgraphs)
 * subgraph requests (both must be set in production).
 */
export function subgraphShape() {
  return { ...serviceShape, ...databaseShape, JWT_SECRET: secret(), ...subgraphTrustShape() };
}

export { resilienceSettings, resilienceShape, type ResilienceShape } from './resilience.js';
export {
  liveShape,
  eventRetentionShape,
  loginLimitShape,
  rateLimitKeyPrefix,
  rateLimitShape,
  sessionRevocationShape,
  subgraphTrustShape,
  trustProxy,
  type RateLimitDefaults,
  type TrustProxySetting,
} from './operations.js';
export { documentLimitsShape, type DocumentLimitDefaults } from './limits.js';
export { serviceCommand, serviceProcessEnv } from './runtime.js';
export {
  redisClusterNodes,
  redisConnection,
  redisShape,
  sameRedis,
  withRedisConnection,
  type RedisClusterNode,
  type RedisConnection,
} from './redis.js';
