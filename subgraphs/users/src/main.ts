import { prepareDomainDatabase } from '@storefront/db';
import { runServer } from '@storefront/http-server';
import { serviceNamed } from '@storefront/stack';
import { loadUsersConfig } from './config.js';
import { seedUsersIfEmpty } from './seed.js';
import { createUsersServer } from './server.js';

await runServer({
  name: 'users',
  loadConfig: loadUsersConfig,
  start: async (config) => {
    const database = await prepareDomainDatabase(serviceNamed('users'), {
      migrate: config.NODE_ENV !== 'production',
      poolMax: config.DATABASE_POOL_MAX,
    });
    const server = createUsersServer({ config, databaseUrl: database.url, poolMax: database.poolMax });
    if (config.NODE_ENV !== 'production') await seedUsersIfEmpty(server.prisma, config.SCRYPT_COST);
    return { server, port: config.USERS_PORT, close: () => database.stop() };
  },
  ready: () => ({ message: 'users subgraph ready' }),
});
