import { runService } from '@storefront/config';
import { stopOnSignals } from '@storefront/server';
import { loadWebConfig } from './config.js';
import { createWebServer } from './server.js';

await runService(async () => {
  const config = loadWebConfig();
  const server = createWebServer({ config });
  const running = await server.listen(config.BFF_WEB_PORT);
  server.logger.info({ url: running.url, cache: config.REDIS_URL ? 'redis' : 'in-process' }, 'bff-web ready');
  stopOnSignals(server.logger, () => server.stop());
});
