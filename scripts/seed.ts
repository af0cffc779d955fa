// `npm run seed`: the development seed (README → Seed data) written into the databases of
// DATABASE_URL (or the per-domain URLs), migrated first. A domain that already has data is
// left as it is. Refuses to run with NODE_ENV=production, before connecting anywhere.
// (`npm start` and a service started outside production seed an empty database themselves.)
import { DATABASE_DOMAINS, SUBGRAPHS, type SubgraphName } from '@storefront/stack';
import { domainDatabaseUrl, prepareDomainDatabase, redactUrl } from '@storefront/db';
import { orderEvents } from '@storefront/orders-events';
import { assertSeedAllowed } from '@storefront/seed-data';
import { seedCatalogIfEmpty } from '@storefront/catalog/seed';
import { seedOrdersIfEmpty } from '@storefront/orders/seed';
import { loadUsersConfig } from '@storefront/users/config';
import { seedUsersIfEmpty } from '@storefront/users/seed';
import { createPrisma as catalogPrisma } from '../subgraphs/catalog/src/db.js';
import { createPrisma as ordersPrisma } from '../subgraphs/orders/src/db.js';
import { createPrisma as usersPrisma } from '../subgraphs/users/src/db.js';

async function seedDomain(domain: SubgraphName, url: string): Promise<boolean> {
  const options = { max: 2 };
  switch (domain) {
    case 'users': {
      const { prisma, pool } = usersPrisma(url, options);
      const scryptCost = loadUsersConfig().SCRYPT_COST;
      return seedUsersIfEmpty(prisma, scryptCost).finally(() => prisma.$disconnect().then(() => pool.end()));
    }
    case 'catalog': {
      const { prisma, pool } = catalogPrisma(url, options);
      return seedCatalogIfEmpty(prisma).finally(() => prisma.$disconnect().then(() => pool.end()));
    }
    case 'orders': {
      const { prisma, pool } = ordersPrisma(url, options);
      return seedOrdersIfEmpty(prisma, orderEvents.stream(process.env.EVENT_STREAM_PREFIX)).finally(() =>
        prisma.$disconnect().then(() => pool.end()),
      );
    }
  }
}

async function main(): Promise<number> {
  try {
    assertSeedAllowed(process.env);
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
  const missing = DATABASE_DOMAINS.filter((domain) => !domainDatabaseUrl(domain));
  if (missing.length > 0) {
    console.error(
      `No database for ${missing.join(', ')}: set DATABASE_URL (or ${missing.map((domain) => `${domain.toUpperCase()}_DATABASE_URL`).join(', ')}). ` +
        '`npm start` seeds its embedded Postgres by itself.',
    );
    return 1;
  }
  for (const subgraph of SUBGRAPHS) {
    const domain = subgraph.name;
    const database = await prepareDomainDatabase(subgraph);
    try {
      const seeded = await seedDomain(domain, database.url);
      console.log(`${domain}: ${seeded ? 'seeded' : 'has data already, left as it is'} (${redactUrl(database.url)})`);
    } catch (error) {
      console.error(`${domain}: seeding failed: ${(error as Error).message}`);
      return 1;
    } finally {
      await database.stop();
    }
  }
  return 0;
}

process.exitCode = await main();
