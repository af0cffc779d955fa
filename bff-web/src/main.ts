import { runService } from '@storefront/config';
import { createEventBus } from '@storefront/events';
import { drainMsFor, limitHeapGrowth, startTracing, stopOnSignals } from '@storefront/http-server';
import { loadWebConfig } from './config.js';
import { createWebServer } from './server.js';

await runService(async () => {
  const config = loadWebConfig();
  // Without it the heap holds several times the live set in garbage under load (see heap.ts).
  limitHeapGrowth(config.HEAP_GROWING_PERCENT);
  // OTLP/HTTP export when OTEL_EXPORTER_OTLP_ENDPOINT is set; nothing started otherwise.
  const tracing = await startTracing('bff-web');
  const bus = createEventBus(config.redis);
  const server = createWebServer({ config, events: { bus, streamPrefix: config.EVENT_STREAM_PREFIX } });
  const running = await server.listen(config.BFF_WEB_PORT, config.HOST);
  server.logger.info({ url: running.url, cache: config.redis?.kind ?? 'in-process' }, 'bff-web ready');
  stopOnSignals(
    server.logger,
    async () => {
      await server.stop();
      await bus.close();
      await tracing.shutdown();
    },
    { drainMs: drainMsFor(config) },
  );
});
