import { runService } from '@storefront/config';
import { startTracing, stopOnSignals } from '@storefront/server';
import { loadGatewayConfig } from './config.js';
import { createGatewayServer } from './server.js';

await runService(async () => {
  const config = loadGatewayConfig();
  // OTLP/HTTP export when OTEL_EXPORTER_OTLP_ENDPOINT is set; nothing started otherwise.
  const tracing = await startTracing('gateway');
  const server = createGatewayServer({ config });
  const running = await server.listen(config.GATEWAY_PORT);
  server.logger.info({ url: running.url }, 'gateway ready');
  stopOnSignals(server.logger, async () => {
    await server.stop();
    await tracing.shutdown();
  });
});
