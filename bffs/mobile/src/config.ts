import { assertProductionSecrets, httpUrl, loadConfig, milliseconds, port, secret, serviceShape, z } from '@storefront/config';

const shape = {
  ...serviceShape,
  BFF_MOBILE_PORT: port(4200),
  GATEWAY_URL: httpUrl.default('http://localhost:4000/graphql'),
  GATEWAY_TIMEOUT_MS: milliseconds(10_000),
  /** Unset: the response cache and persisted queries live in process. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  JWT_SECRET: secret(),
  /** Keeps stacks that share one Redis apart (tests, side-by-side stacks). */
  EVENT_STREAM_PREFIX: z.string().regex(/^[A-Za-z0-9:._-]*$/).optional(),
};

export type MobileConfig = ReturnType<typeof loadMobileConfig>;

export function loadMobileConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(shape, env);
  assertProductionSecrets(config, ['JWT_SECRET']);
  return config;
}

/** Apollo Sandbox's origin, allowed outside production (the app itself needs no CORS). */
export const SANDBOX_ORIGIN = 'https://studio.apollographql.com';
