import { runDomainSubgraph } from '@storefront/subgraph-server';
import { serviceNamed } from '@storefront/stack';
import { loadOrdersConfig } from './config.js';
import { seedOrdersIfEmpty } from './seed.js';
import { createOrdersServer } from './server.js';

await runDomainSubgraph({
  subgraph: serviceNamed('orders'),
  loadConfig: loadOrdersConfig,
  port: (config) => config.ORDERS_PORT,
  createServer: (config, setup) => createOrdersServer({ config, ...setup }),
  seedIfEmpty: (server) => seedOrdersIfEmpty(server.prisma, server.streams.orders),
  readyFields: (config) => ({ catalog: config.CATALOG_URL }),
});
