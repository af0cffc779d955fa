import { assertProductionSecrets, httpUrl, loadConfig, milliseconds, port, secret, serviceShape, z } from '@storefront/config';

const origins = z
  .string()
  .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
  .pipe(z.array(z.url({ protocol: /^https?$/ })).min(1));

const shape = {
  ...serviceShape,
  BFF_WEB_PORT: port(4100),
  GATEWAY_URL: httpUrl.default('http://localhost:4000/graphql'),
  GATEWAY_TIMEOUT_MS: milliseconds(10_000),
  /** Unset: the response cache and session coordination run in process. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** Comma-separated browser origins of the web app, allowed by CORS with cookies. */
  WEB_ORIGINS: origins.default(['http://localhost:3000']),
  JWT_SECRET: secret(),
  /** Keeps stacks that share one Redis apart (tests, side-by-side stacks). */
  EVENT_STREAM_PREFIX: z.string().regex(/^[A-Za-z0-9:._-]*$/).optional(),
};

export type WebConfig = ReturnType<typeof loadWebConfig>;

export function loadWebConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(shape, env);
  assertProductionSecrets(config, ['JWT_SECRET']);
  return config;
}

/** Apollo Sandbox's origin, allowed next to the web app's outside production. */
export const SANDBOX_ORIGIN = 'https://studio.apollographql.com';
