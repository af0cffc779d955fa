import { runService } from '@storefront/config';
import { prepareDomainDatabase } from '@storefront/db';
import { createEventBus } from '@storefront/events';
import { drainMsFor, limitHeapGrowth, startTracing, stopOnSignals } from '@storefront/http-server';
import { loadCatalogConfig } from './config.js';
import { seedCatalogIfEmpty } from './seed.js';
import { createCatalogServer } from './server.js';

await runService(async () => {
  const config = loadCatalogConfig();
  // Without it the heap holds several times the live set in garbage under load (see heap.ts).
  limitHeapGrowth(config.HEAP_GROWING_PERCENT);
  // OTLP/HTTP export when OTEL_EXPORTER_OTLP_ENDPOINT is set; nothing started otherwise.
  const tracing = await startTracing('catalog');
  const database = await prepareDomainDatabase('catalog', {
    migrate: config.NODE_ENV !== 'production',
    poolMax: config.DATABASE_POOL_MAX,
  });
  const bus = createEventBus(config.redis);
  const server = createCatalogServer({
    config,
    databaseUrl: database.url,
    poolMax: database.poolMax,
    events: {
      bus,
      retention: { maxAgeSeconds: config.EVENT_RETENTION_HOURS * 3600, intervalMs: config.EVENT_RETENTION_INTERVAL_MS },
    },
  });
  if (config.NODE_ENV !== 'production') await seedCatalogIfEmpty(server.prisma);
  const running = await server.listen(config.CATALOG_PORT, config.HOST);
  server.logger.info({ url: running.url, events: config.redis?.kind ?? 'in-process' }, 'catalog subgraph ready');
  stopOnSignals(
    server.logger,
    async () => {
      await server.stop();
      await bus.close();
      await database.stop();
      await tracing.shutdown();
    },
    { drainMs: drainMsFor(config) },
  );
});
