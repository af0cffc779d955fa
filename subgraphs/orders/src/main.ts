import { runDomainSubgraph } from '@storefront/subgraph-server';
import { loadOrdersConfig } from './config.js';
import { seedOrdersIfEmpty } from './seed.js';
import { createOrdersServer } from './server.js';

await runDomainSubgraph({
  domain: 'orders',
  loadConfig: loadOrdersConfig,
  port: (config) => config.ORDERS_PORT,
  createServer: (config, setup) => createOrdersServer({ config, ...setup }),
  seedIfEmpty: (server) => seedOrdersIfEmpty(server.prisma, server.streams.orders),
  readyFields: (config) => ({ catalog: config.CATALOG_URL }),
});
