import { runService } from '@storefront/config';
import { prepareDomainDatabase } from '@storefront/db';
import { stopOnSignals } from '@storefront/server';
import { loadOrdersConfig } from './config.js';
import { seedOrdersIfEmpty } from './seed.js';
import { createOrdersServer } from './server.js';

await runService(async () => {
  const config = loadOrdersConfig();
  const database = await prepareDomainDatabase('orders', { migrate: config.NODE_ENV !== 'production', poolMax: config.DATABASE_POOL_MAX });
  const server = createOrdersServer({ config, databaseUrl: database.url, poolMax: database.poolMax });
  if (config.NODE_ENV !== 'production') await seedOrdersIfEmpty(server.prisma);
  const running = await server.listen(config.ORDERS_PORT);
  server.logger.info({ url: running.url, catalog: config.CATALOG_URL }, 'orders subgraph ready');
  stopOnSignals(server.logger, async () => {
    await server.stop();
    await database.stop();
  });
});
