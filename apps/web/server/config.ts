import { httpUrl, loadConfig, port } from '@storefront/config';

const shape = {
  /** Where the shop is served (`npm start`, `npm run dev -w apps/web`); 3000 is the web BFF's default WEB_ORIGINS entry. */
  WEB_APP_PORT: port(3000),
  /** The web BFF's GraphQL URL as the browser reaches it; unset: localhost on BFF_WEB_PORT. */
  WEB_BFF_URL: httpUrl.optional(),
  BFF_WEB_PORT: port(4100),
};

export interface WebAppConfig {
  port: number;
  /** What the app is told at run time (GET /config.json), read before it renders. */
  runtime: RuntimeConfig;
}

/** The browser app's settings that may differ per deployment, without rebuilding it. */
export interface RuntimeConfig {
  bffUrl: string;
}

export function loadWebAppConfig(env: NodeJS.ProcessEnv = process.env): WebAppConfig {
  const config = loadConfig(shape, env);
  return {
    port: config.WEB_APP_PORT,
    runtime: { bffUrl: config.WEB_BFF_URL ?? `http://localhost:${config.BFF_WEB_PORT}/graphql` },
  };
}

/** The path the app reads its runtime config from; see src/runtime-config.ts. */
export const RUNTIME_CONFIG_PATH = '/config.json';
