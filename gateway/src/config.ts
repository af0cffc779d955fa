import { assertProductionSecrets, httpUrl, loadConfig, milliseconds, port, secret, serviceShape, z } from '@storefront/config';
import { DEFAULT_SUPERGRAPH_PATH } from './compose.js';

const shape = {
  ...serviceShape,
  GATEWAY_PORT: port(4000),
  /** Any supergraph file a federation router could serve; reloaded when it changes. */
  SUPERGRAPH_PATH: z.string().min(1).default(DEFAULT_SUPERGRAPH_PATH),
  /** Per-subgraph overrides of the URLs recorded in the supergraph. */
  USERS_URL: httpUrl.optional(),
  CATALOG_URL: httpUrl.optional(),
  ORDERS_URL: httpUrl.optional(),
  /** Longest wait for one subgraph call before the gateway answers without it. */
  SUBGRAPH_TIMEOUT_MS: milliseconds(5_000),
  JWT_SECRET: secret(),
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(shape, env);
  assertProductionSecrets(config, ['JWT_SECRET']);
  return config;
}

export function subgraphUrlOverride(config: GatewayConfig, name: string): string | undefined {
  switch (name) {
    case 'users':
      return config.USERS_URL;
    case 'catalog':
      return config.CATALOG_URL;
    case 'orders':
      return config.ORDERS_URL;
    default:
      return undefined;
  }
}
