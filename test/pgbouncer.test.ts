import { randomBytes } from 'node:crypto';
import { DATABASE_DOMAINS as DOMAINS, type SubgraphName as Domain } from '@storefront/stack';
import { dropDatabase, ensureDatabase, migrate, migrationsDir, withDatabase } from '@storefront/db';
import { products } from '@storefront/catalog/seed-data';
import { ada, admin, grace } from '@storefront/users/seed-data';
import { expectLabelled, graphql, testRedisUrl, testServerUrl } from '@storefront/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startPgBouncer, type PgBouncer } from './support/pgbouncer.js';
import { listenPort } from './support/listen-port.js';
import { seedDatabases } from './support/seed.js';
import { buildServices, ServiceProcess } from './support/service-process.js';
import { logIn } from './support/session.js';

/** Server connections PgBouncer may open per database; each service's own pool is larger (DATABASE_POOL_MAX). */
const POOL_SIZE = 4;
const SERVICE_POOL = 10;

const PLACE =
  'mutation ($items: [OrderLineInput!]!, $key: String!) { placeOrder(input: { items: $items }, idempotencyKey: $key) { order { id } userErrors { code message } } }';

async function rows<Row extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

describe('the subgraphs on Postgres through PgBouncer in transaction mode', () => {
  const prefix = `sf_test_pgb_${randomBytes(4).toString('hex')}_`;
  const redisPrefix = `sf:test:pgbouncer:${randomBytes(4).toString('hex')}:`;
  const direct = Object.fromEntries(
    DOMAINS.map((domain) => [domain, withDatabase(testServerUrl, `${prefix}${domain}`)]),
  ) as Record<Domain, string>;
  let bouncer: PgBouncer | undefined;
  const services: ServiceProcess[] = [];
  let gatewayUrl: string;

  beforeAll(async () => {
    buildServices();
    // Migrations hold a session-level advisory lock: they run on a direct connection, never through the pooler.
    for (const domain of DOMAINS) {
      await ensureDatabase(direct[domain]);
      await migrate(direct[domain], migrationsDir(domain));
    }
    await seedDatabases(direct);
    // `postgres` too: a service checks at boot that its database exists, through the maintenance database.
    bouncer = await startPgBouncer({
      serverUrl: testServerUrl,
      databases: [...DOMAINS.map((domain) => `${prefix}${domain}`), 'postgres'],
      defaultPoolSize: POOL_SIZE,
      maxClientConn: 200,
    });

    // The services as deployed: production mode (no migrating, no seeding), DATABASE_URL on the pooler.
    const env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      JWT_SECRET: randomBytes(32).toString('base64url'),
      SUBGRAPH_SECRET: randomBytes(32).toString('base64url'),
      DATABASE_URL: bouncer.url('postgres'),
      DATABASE_NAME_PREFIX: prefix,
      DATABASE_POOL_MAX: String(SERVICE_POOL),
      // Cheap password hashes (the seed's) and patient subgraph calls: this checks the pooler, not speed.
      SCRYPT_COST: '1024',
      SUBGRAPH_TIMEOUT_MS: '15000',
      CATALOG_TIMEOUT_MS: '15000',
      REDIS_URL: testRedisUrl,
      EVENT_STREAM_PREFIX: redisPrefix,
      RATE_LIMIT_KEY_PREFIX: `${redisPrefix}rl:`,
      USERS_DATABASE_URL: '',
      CATALOG_DATABASE_URL: '',
      ORDERS_DATABASE_URL: '',
      NODE_OPTIONS: '',
    };
    const names = ['users', 'catalog', 'orders', 'gateway'] as const;
    const ports = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await listenPort()] as const))) as Record<
      (typeof names)[number],
      number
    >;
    const url = (name: (typeof names)[number]) => `http://127.0.0.1:${ports[name]}/graphql`;
    const own = {
      users: {},
      catalog: {},
      orders: { CATALOG_URL: url('catalog') },
      gateway: { USERS_URL: url('users'), CATALOG_URL: url('catalog'), ORDERS_URL: url('orders') },
    };
    services.push(...names.map((name) => new ServiceProcess(name, name, ports[name], { ...env, ...own[name] })));
    for (const service of services) service.start();
    await Promise.all(services.map((service) => service.ready()));
    gatewayUrl = url('gateway');
  }, 300_000);

  afterAll(async () => {
    for (const service of [...services].reverse()) await service.stop();
    await bouncer?.stop();
    const redis = new Redis(testRedisUrl);
    try {
      const keys = await redis.keys(`${redisPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    for (const domain of DOMAINS) await dropDatabase(direct[domain]);
  }, 60_000);

  it('places, reserves and confirms concurrent orders through the gateway, with exact stock', async () => {
    const tokens = await Promise.all([ada, grace].map((user) => logIn(gatewayUrl, user.email, user.password)));
    const adminToken = await logIn(gatewayUrl, admin.email, admin.password);
    const pool = products.filter((product) => product.stockQuantity > 0).slice(10, 12);
    const initial = 25;
    for (const product of pool) {
      const set = await graphql(
        gatewayUrl,
        'mutation ($id: ID!, $stock: Int!) { updateProduct(id: $id, input: { stockQuantity: $stock }) { userErrors { code } } }',
        { id: product.id, stock: initial },
        { token: adminToken },
      );
      expectLabelled(
        set.body.errors,
        `${JSON.stringify(set.body.errors)}\n${services.map((service) => service.tail()).join('\n')}`,
      ).toBeUndefined();
      expect(set.body.data!.updateProduct.userErrors).toEqual([]);
    }

    // 40 orders, 10 at a time: the services' pools (10 each) share POOL_SIZE server connections per database.
    const placed: Array<{ id: string; productId: string; quantity: number }> = [];
    for (let round = 0; round < 4; round += 1) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, index) => {
          const n = round * 10 + index;
          const line = { productId: pool[n % 2]!.id, quantity: 1 + (n % 2) };
          const response = await graphql(gatewayUrl, PLACE, { items: [line], key: `pgbouncer-${n}` }, { token: tokens[n % 2]! });
          expectLabelled(
            response.body.errors,
            `${JSON.stringify(response.body.errors)}\n${services.map((service) => service.tail()).join('\n')}`,
          ).toBeUndefined();
          expect(response.body.data!.placeOrder.userErrors).toEqual([]);
          placed.push({ id: response.body.data!.placeOrder.order.id as string, ...line });
        }),
      );
    }

    const ids = placed.map((order) => order.id);
    const deadline = Date.now() + 60_000;
    let statuses: Array<{ id: string; status: string }> = [];
    do {
      statuses = await rows<{ id: string; status: string }>(
        direct.orders,
        'SELECT id, status FROM orders WHERE id = ANY($1::uuid[])',
        [ids],
      );
      if (statuses.every((order) => order.status !== 'PENDING')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (Date.now() < deadline);
    expect(statuses).toHaveLength(40);
    expect(statuses.filter((order) => order.status === 'PENDING')).toEqual([]);

    const confirmed = new Set(statuses.filter((order) => order.status === 'CONFIRMED').map((order) => order.id));
    // 30 units asked of each product, 25 in stock: some orders are refused, none oversold.
    expect(confirmed.size).toBeGreaterThan(0);
    expect(confirmed.size).toBeLessThan(40);
    const stock = await rows<{ id: string; stock: number }>(
      direct.catalog,
      'SELECT id, stock_quantity AS stock FROM products WHERE id = ANY($1::uuid[])',
      [pool.map((product) => product.id)],
    );
    for (const product of pool) {
      const sold = placed
        .filter((order) => confirmed.has(order.id) && order.productId === product.id)
        .reduce((sum, order) => sum + order.quantity, 0);
      expect(stock.find((row) => row.id === product.id)!.stock).toBe(initial - sold);
    }
    const [{ count }] = (await rows<{ count: string }>(
      direct.catalog,
      'SELECT count(*) FROM stock_reservations WHERE order_id = ANY($1::uuid[])',
      [ids],
    )) as [{ count: string }];
    expect(Number(count)).toBe(40);
  }, 120_000);

  it('went through the pooler: every database served by PgBouncer, on at most its pool of server connections', async () => {
    const stats = await bouncer!.show('STATS');
    for (const domain of DOMAINS) {
      const database = stats.find((row) => row.database === `${prefix}${domain}`);
      expectLabelled(Number(database?.total_xact_count), domain).toBeGreaterThan(0);
    }
    // What Postgres sees: PgBouncer's server connections only, never a service's whole pool.
    const connections = await rows<{ database: string; count: string }>(
      testServerUrl,
      'SELECT datname AS database, count(*) FROM pg_stat_activity WHERE datname = ANY($1) GROUP BY datname',
      [DOMAINS.map((domain) => `${prefix}${domain}`)],
    );
    for (const row of connections) expectLabelled(Number(row.count), row.database).toBeLessThanOrEqual(POOL_SIZE);
    for (const service of services.slice(0, 3)) expectLabelled(service.running, service.name).toBe(true);
  });
});
