import { runDomainSubgraph } from '@storefront/subgraph-server';
import { serviceNamed } from '@storefront/stack';
import { loadCatalogConfig } from './config.js';
import { seedCatalogIfEmpty } from './seed.js';
import { createCatalogServer } from './server.js';

await runDomainSubgraph({
  subgraph: serviceNamed('catalog'),
  loadConfig: loadCatalogConfig,
  port: (config) => config.CATALOG_PORT,
  createServer: (config, setup) => createCatalogServer({ config, ...setup }),
  seedIfEmpty: (server) => seedCatalogIfEmpty(server.prisma),
});
