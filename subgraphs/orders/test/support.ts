import { loadCatalogConfig } from '@storefront/catalog/config';
import { seedCatalogIfEmpty } from '@storefront/catalog/seed';
import { createCatalogServer } from '@storefront/catalog/server';
import { ada, admin, grace } from '@storefront/users/seed-data';
import {
  accessTokenFor,
  createTestDatabase,
  eventually as poll,
  graphql,
  testSubgraphSecret,
  type GraphQLResponse,
  type TestDatabase,
} from '@storefront/testing';
import { loadOrdersConfig } from '../src/config.js';
import { seedOrdersIfEmpty } from '../src/seed.js';
import type { DomainEventsOptions } from '@storefront/events';
import { createOrdersServer } from '../src/server.js';

type Caller = 'anonymous' | 'ada' | 'grace' | 'admin';

type OrdersServer = ReturnType<typeof createOrdersServer>;

export interface TestStack {
  /** The orders subgraph under test, seeded. */
  server: OrdersServer;
  url: string;
  /** The real catalog subgraph it calls, seeded. */
  catalogUrl: string;
  /** The orders database, for other connections to it (a second relay...). */
  ordersDatabaseUrl: string;
  /** Sends one operation to the orders subgraph as `caller` (anonymous unless given). */
  query<Data = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    caller?: Caller,
  ): Promise<GraphQLResponse<Data>>;
  /** Sends one operation to the catalog subgraph as `caller`. */
  catalogQuery<Data = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    caller?: Caller,
  ): Promise<GraphQLResponse<Data>>;
  /** SQL statements the orders server sent while `run` ran. */
  statementsDuring(run: () => Promise<unknown>): Promise<number>;
  /** Another orders server on the same database with other settings (stopped with the stack). */
  startOrders(env: Record<string, string>, options?: TestStackOptions): Promise<{ server: OrdersServer; url: string }>;
  /** Stops the catalog subgraph early, to see orders without it. */
  stopCatalog(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  /** Events for the orders server: its outbox relay and consumer run on this bus. */
  events?: DomainEventsOptions;
}

const settings = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  JWT_SECRET: process.env.JWT_SECRET,
  SUBGRAPH_SECRET: testSubgraphSecret,
} as const;

/**
 * Polls `check` until it returns something other than undefined/false, or fails after
 * `timeoutMs` with the last error it threw: for effects that happen in the background
 * (consumers), without fixed sleeps.
 */
export function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  {
    timeoutMs = 10_000,
    intervalMs = 25,
    message = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<T> {
  const holds = (value: T | undefined | false) => value !== undefined && value !== false;
  return poll(check, holds, message, { timeoutMs, intervalMs, retryErrors: true }) as Promise<T>;
}

/**
 * A seeded catalog subgraph and a seeded orders subgraph pointing at it, each on a fresh
 * database and a free port, both in this process.
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const databases: TestDatabase[] = [];
  const [catalogDb, ordersDb] = await Promise.all([createTestDatabase('catalog'), createTestDatabase('orders')]);
  databases.push(catalogDb, ordersDb);

  const catalog = createCatalogServer({ config: loadCatalogConfig(settings), databaseUrl: catalogDb.url });
  await seedCatalogIfEmpty(catalog.prisma);
  const { url: catalogUrl } = await catalog.listen(0, '127.0.0.1');
  let catalogRunning = true;

  const servers: OrdersServer[] = [];
  async function startOrders(env: Record<string, string>, { events }: TestStackOptions = {}) {
    const server = createOrdersServer({
      config: loadOrdersConfig({ ...settings, CATALOG_URL: catalogUrl, ...env }),
      databaseUrl: ordersDb.url,
      ...(events ? { events } : {}),
    });
    servers.push(server);
    const { url } = await server.listen(0, '127.0.0.1');
    return { server, url };
  }
  const { server, url } = await startOrders({}, options);
  await seedOrdersIfEmpty(server.prisma, server.streams.orders);

  const tokens: Record<Caller, string | undefined> = {
    anonymous: undefined,
    ada: await accessTokenFor(ada),
    grace: await accessTokenFor(grace),
    admin: await accessTokenFor(admin),
  };
  const statements = async () => (await server.metrics.sqlStatements.get()).values[0]?.value ?? 0;
  const stopCatalog = async () => {
    if (!catalogRunning) return;
    catalogRunning = false;
    await catalog.stop();
  };
  return {
    server,
    url,
    catalogUrl,
    ordersDatabaseUrl: ordersDb.url,
    query: (query, variables = {}, caller = 'anonymous') => graphql(url, query, variables, { token: tokens[caller] }),
    catalogQuery: (query, variables = {}, caller = 'anonymous') =>
      graphql(catalogUrl, query, variables, { token: tokens[caller] }),
    async statementsDuring(run) {
      const before = await statements();
      await run();
      return (await statements()) - before;
    },
    startOrders,
    stopCatalog,
    async stop() {
      await Promise.all(servers.map((each) => each.stop()));
      await stopCatalog();
      await Promise.all(databases.map((database) => database.drop()));
    },
  };
}
