import { assertProductionSecrets, bffShape, loadConfig, port, withRedisConnection } from '@storefront/config';

const shape = {
  ...bffShape({
    /** The mobile app's graph is smaller than the web's: tighter document limits. */
    documents: {
      depth: 6,
      aliases: 10,
      rootFields: 5,
      directives: 10,
      tokens: 1_000,
      documentBytes: 8_000,
      cost: 1_000,
      pageSize: 50,
      bodyBytes: 100_000,
    },
    requests: { perUser: 300, perIp: 120 },
    logins: { perAccount: 5, perIp: 20 },
  }),
  BFF_MOBILE_PORT: port(4200),
};

export type MobileConfig = ReturnType<typeof loadMobileConfig>;

export function loadMobileConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(shape, env);
  assertProductionSecrets(config, ['JWT_SECRET']);
  return withRedisConnection(config);
}

/** Apollo Sandbox's origin, allowed outside production (the app itself needs no CORS). */
export const SANDBOX_ORIGIN = 'https://studio.apollographql.com';
