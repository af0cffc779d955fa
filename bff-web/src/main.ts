import { createEventBus } from '@storefront/events';
import { runServer } from '@storefront/http-server';
import { loadWebConfig } from './config.js';
import { createWebServer } from './server.js';

await runServer({
  name: 'bff-web',
  loadConfig: loadWebConfig,
  start: async (config) => {
    const bus = createEventBus(config.redis);
    const server = createWebServer({ config, events: { bus, streamPrefix: config.EVENT_STREAM_PREFIX } });
    return { server, port: config.BFF_WEB_PORT, close: () => bus.close() };
  },
  ready: (config) => ({ fields: { cache: config.redis?.kind ?? 'in-process' } }),
});
