import { createCatalogServer } from '@storefront/catalog/server';
import { loadCatalogConfig } from '@storefront/catalog/config';
import { seedCatalogIfEmpty } from '@storefront/catalog/seed';
import { createOrdersServer } from '@storefront/orders/server';
import { loadOrdersConfig } from '@storefront/orders/config';
import { seedOrdersIfEmpty } from '@storefront/orders/seed';
import { createUsersServer } from '@storefront/users/server';
import { loadUsersConfig } from '@storefront/users/config';
import { seedUsersIfEmpty } from '@storefront/users/seed';

/**
 * Seeds the three (migrated) databases from this process, as a deploy's seed job would, before
 * any service starts: services started on seeded databases all boot alike, and a production
 * service never seeds. Password hashes use scrypt's cheapest cost (set SCRYPT_COST=1024 on users).
 */
export async function seedDatabases(urls: { users: string; catalog: string; orders: string }): Promise<void> {
  const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent' };
  const users = createUsersServer({ config: loadUsersConfig(env), databaseUrl: urls.users });
  const catalog = createCatalogServer({ config: loadCatalogConfig(env), databaseUrl: urls.catalog });
  const orders = createOrdersServer({ config: loadOrdersConfig(env), databaseUrl: urls.orders });
  try {
    // Listening (on a free port, unused) is what makes them stoppable: stop() ends Apollo, Prisma and the pool.
    await Promise.all([users, catalog, orders].map((server) => server.listen(0, '127.0.0.1')));
    // One at a time, as the services seed themselves: three at once can keep a busy machine
    // from finishing a seed transaction within Prisma's 5 s.
    await seedUsersIfEmpty(users.prisma, 1024);
    await seedCatalogIfEmpty(catalog.prisma);
    await seedOrdersIfEmpty(orders.prisma, orders.streams.orders);
  } finally {
    await Promise.all([users.stop(), catalog.stop(), orders.stop()]);
  }
}
