import { createEventBus } from '@storefront/events';
import { runServer } from '@storefront/http-server';
import { loadMobileConfig } from './config.js';
import { createMobileServer } from './server.js';

await runServer({
  name: 'bff-mobile',
  loadConfig: loadMobileConfig,
  start: async (config) => {
    const bus = createEventBus(config.redis);
    const server = createMobileServer({ config, events: { bus, streamPrefix: config.EVENT_STREAM_PREFIX } });
    return { server, port: config.BFF_MOBILE_PORT, close: () => bus.close() };
  },
  ready: (config) => ({ fields: { cache: config.redis?.kind ?? 'in-process', safelist: config.NODE_ENV === 'production' } }),
});
