import { runService } from '@storefront/config';
import { stopOnSignals } from '@storefront/server';
import { loadGatewayConfig } from './config.js';
import { createGatewayServer } from './server.js';

await runService(async () => {
  const config = loadGatewayConfig();
  const server = createGatewayServer({ config });
  const running = await server.listen(config.GATEWAY_PORT);
  server.logger.info({ url: running.url }, 'gateway ready');
  stopOnSignals(server.logger, () => server.stop());
});
