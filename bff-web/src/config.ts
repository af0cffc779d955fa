import { assertProductionSecrets, bffShape, loadConfig, port, withRedisConnection, z } from '@storefront/config';

const origins = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.url({ protocol: /^https?$/ })).min(1));

const shape = {
  ...bffShape({
    documents: {
      depth: 8,
      aliases: 15,
      rootFields: 10,
      directives: 15,
      tokens: 1_500,
      documentBytes: 10_000,
      cost: 3_000,
      pageSize: 100,
      bodyBytes: 100_000,
    },
    requests: { perUser: 600, perIp: 300 },
    logins: { perAccount: 5, perIp: 20 },
  }),
  BFF_WEB_PORT: port(4100),
  /** Comma-separated browser origins of the web app, allowed by CORS with cookies. */
  WEB_ORIGINS: origins.default(['http://localhost:3000']),
};

export type WebConfig = ReturnType<typeof loadWebConfig>;

export function loadWebConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(shape, env);
  assertProductionSecrets(config, ['JWT_SECRET']);
  return withRedisConnection(config);
}

/** Apollo Sandbox's origin, allowed next to the web app's outside production. */
export const SANDBOX_ORIGIN = 'https://studio.apollographql.com';
