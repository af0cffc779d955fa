import { runService } from '@storefront/config';
import { drainMsFor, limitHeapGrowth, startTracing, stopOnSignals } from '@storefront/http-server';
import { loadGatewayConfig } from './config.js';
import { createGatewayServer } from './server.js';

await runService(async () => {
  const config = loadGatewayConfig();
  // Without it the heap holds several times the live set in garbage under load (see heap.ts).
  limitHeapGrowth(config.HEAP_GROWING_PERCENT);
  // OTLP/HTTP export when OTEL_EXPORTER_OTLP_ENDPOINT is set; nothing started otherwise.
  const tracing = await startTracing('gateway');
  const server = createGatewayServer({ config });
  const running = await server.listen(config.GATEWAY_PORT, config.HOST);
  server.logger.info({ url: running.url }, 'gateway ready');
  stopOnSignals(
    server.logger,
    async () => {
      await server.stop();
      await tracing.shutdown();
    },
    { drainMs: drainMsFor(config) },
  );
});
