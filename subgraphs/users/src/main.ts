import { runService } from '@storefront/config';
import { prepareDomainDatabase } from '@storefront/db';
import { serviceNamed } from '@storefront/stack';
import { drainMsFor, limitHeapGrowth, startTracing, stopOnSignals } from '@storefront/http-server';
import { loadUsersConfig } from './config.js';
import { seedUsersIfEmpty } from './seed.js';
import { createUsersServer } from './server.js';

await runService(async () => {
  const config = loadUsersConfig();
  // Without it the heap holds several times the live set in garbage under load (see heap.ts).
  limitHeapGrowth(config.HEAP_GROWING_PERCENT);
  // OTLP/HTTP export when OTEL_EXPORTER_OTLP_ENDPOINT is set; nothing started otherwise.
  const tracing = await startTracing('users');
  const database = await prepareDomainDatabase(serviceNamed('users'), {
    migrate: config.NODE_ENV !== 'production',
    poolMax: config.DATABASE_POOL_MAX,
  });
  const server = createUsersServer({ config, databaseUrl: database.url, poolMax: database.poolMax });
  if (config.NODE_ENV !== 'production') await seedUsersIfEmpty(server.prisma, config.SCRYPT_COST);
  const running = await server.listen(config.USERS_PORT, config.HOST);
  server.logger.info({ url: running.url }, 'users subgraph ready');
  stopOnSignals(
    server.logger,
    async () => {
      await server.stop();
      await database.stop();
      await tracing.shutdown();
    },
    { drainMs: drainMsFor(config) },
  );
});
