import { ada, admin } from '@storefront/users/seed-data';
import {
  accessTokenFor,
  createTestDatabase,
  graphql,
  testSubgraphSecret,
  type GraphQLResponse,
  type TestDatabase,
} from '@storefront/testing';
import { loadCatalogConfig } from '../src/config.js';
import { seedCatalogIfEmpty } from '../src/seed.js';
import type { DomainEventsOptions } from '@storefront/events';
import { createCatalogServer } from '../src/server.js';

export type Caller = 'anonymous' | 'customer' | 'admin';

export interface TestCatalog {
  server: ReturnType<typeof createCatalogServer>;
  url: string;
  /** Sends one operation as `caller` (anonymous unless given). */
  query<Data = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    caller?: Caller,
  ): Promise<GraphQLResponse<Data>>;
  /** SQL statements the server sent while `run` ran. */
  statementsDuring(run: () => Promise<unknown>): Promise<number>;
  /** The database it runs on (another catalog can be started on it). */
  database: TestDatabase;
  /** Stops the server, and drops the database unless it was given. */
  stop(): Promise<void>;
}

export interface TestCatalogOptions {
  /** Run on this database (already migrated) instead of a fresh one; it is left in place on stop. */
  database?: TestDatabase;
  /** Start the outbox relay and the orders-stream consumer on this bus. */
  events?: DomainEventsOptions;
}

/** A seeded catalog subgraph on a fresh database (or the one given), listening on a free port. */
export async function startTestCatalog(options: TestCatalogOptions = {}): Promise<TestCatalog> {
  const database = options.database ?? (await createTestDatabase('catalog'));
  const server = createCatalogServer({
    config: loadCatalogConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', SUBGRAPH_SECRET: testSubgraphSecret }),
    databaseUrl: database.url,
    ...(options.events ? { events: options.events } : {}),
  });
  await seedCatalogIfEmpty(server.prisma);
  const { url } = await server.listen(0);
  const tokens: Record<Caller, string | undefined> = {
    anonymous: undefined,
    customer: await accessTokenFor(ada),
    admin: await accessTokenFor(admin),
  };
  const statements = async () => (await server.metrics.sqlStatements.get()).values[0]?.value ?? 0;
  return {
    server,
    url,
    query: (query, variables = {}, caller = 'anonymous') => graphql(url, query, variables, { token: tokens[caller] }),
    async statementsDuring(run) {
      const before = await statements();
      await run();
      return (await statements()) - before;
    },
    database,
    async stop() {
      await server.stop();
      if (!options.database) await database.drop();
    },
  };
}
