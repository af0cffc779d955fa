import { runService } from '@storefront/config';
import { prepareDomainDatabase } from '@storefront/db';
import { stopOnSignals } from '@storefront/server';
import { loadCatalogConfig } from './config.js';
import { seedCatalogIfEmpty } from './seed.js';
import { createCatalogServer } from './server.js';

await runService(async () => {
  const config = loadCatalogConfig();
  const database = await prepareDomainDatabase('catalog', { migrate: config.NODE_ENV !== 'production', poolMax: config.DATABASE_POOL_MAX });
  const server = createCatalogServer({ config, databaseUrl: database.url, poolMax: database.poolMax });
  if (config.NODE_ENV !== 'production') await seedCatalogIfEmpty(server.prisma);
  const running = await server.listen(config.CATALOG_PORT);
  server.logger.info({ url: running.url }, 'catalog subgraph ready');
  stopOnSignals(server.logger, async () => {
    await server.stop();
    await database.stop();
  });
});
