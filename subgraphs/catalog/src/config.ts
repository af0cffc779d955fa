import { assertProductionSecrets, databaseShape, loadConfig, port, postgresUrl, secret, serviceShape } from '@storefront/config';

const shape = {
  ...serviceShape,
  ...databaseShape,
  CATALOG_PORT: port(4002),
  CATALOG_DATABASE_URL: postgresUrl.optional(),
  JWT_SECRET: secret(),
};

export type CatalogConfig = ReturnType<typeof loadCatalogConfig>;

export function loadCatalogConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(shape, env);
  assertProductionSecrets(config, ['JWT_SECRET']);
  return config;
}
