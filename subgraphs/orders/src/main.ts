import { runService } from '@storefront/config';
import { prepareDomainDatabase } from '@storefront/db';
import { createEventBus } from '@storefront/events';
import { drainMsFor, limitHeapGrowth, startTracing, stopOnSignals } from '@storefront/http-server';
import { loadOrdersConfig } from './config.js';
import { seedOrdersIfEmpty } from './seed.js';
import { createOrdersServer } from './server.js';

await runService(async () => {
  const config = loadOrdersConfig();
  // Without it the heap holds several times the live set in garbage under load (see heap.ts).
  limitHeapGrowth(config.HEAP_GROWING_PERCENT);
  // OTLP/HTTP export when OTEL_EXPORTER_OTLP_ENDPOINT is set; nothing started otherwise.
  const tracing = await startTracing('orders');
  const database = await prepareDomainDatabase('orders', {
    migrate: config.NODE_ENV !== 'production',
    poolMax: config.DATABASE_POOL_MAX,
  });
  // Redis Streams with REDIS_URL or REDIS_CLUSTER_NODES; otherwise in this process (nothing else hears the events).
  const bus = createEventBus(config.redis);
  const server = createOrdersServer({
    config,
    databaseUrl: database.url,
    poolMax: database.poolMax,
    events: {
      bus,
      retention: { maxAgeSeconds: config.EVENT_RETENTION_HOURS * 3600, intervalMs: config.EVENT_RETENTION_INTERVAL_MS },
    },
  });
  if (config.NODE_ENV !== 'production') await seedOrdersIfEmpty(server.prisma, server.streams.orders);
  const running = await server.listen(config.ORDERS_PORT, config.HOST);
  server.logger.info(
    { url: running.url, catalog: config.CATALOG_URL, events: config.redis?.kind ?? 'in-process' },
    'orders subgraph ready',
  );
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
