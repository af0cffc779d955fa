import { runServer } from '@storefront/http-server';
import { loadGatewayConfig } from './config.js';
import { createGatewayServer } from './server.js';

await runServer({
  name: 'gateway',
  loadConfig: loadGatewayConfig,
  start: async (config) => ({ server: createGatewayServer({ config }), port: config.GATEWAY_PORT }),
});
