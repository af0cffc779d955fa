import { ada, admin } from '@storefront/seed-data';
import { accessTokenFor, createTestDatabase, graphql, type GraphQLResponse } from '@storefront/testing';
import { loadCatalogConfig } from './config.js';
import { seedCatalogIfEmpty } from './seed.js';
import { createCatalogServer } from './server.js';

export type Caller = 'anonymous' | 'customer' | 'admin';

export interface TestCatalog {
  server: ReturnType<typeof createCatalogServer>;
  url: string;
  /** Sends one operation as `caller` (anonymous unless given). */
  query<Data = Record<string, any>>(query: string, variables?: Record<string, unknown>, caller?: Caller): Promise<GraphQLResponse<Data>>;
  /** SQL statements the server sent while `run` ran. */
  statementsDuring(run: () => Promise<unknown>): Promise<number>;
  stop(): Promise<void>;
}

/** A seeded catalog subgraph on a fresh database, listening on a free port. */
export async function startTestCatalog(): Promise<TestCatalog> {
  const database = await createTestDatabase('catalog');
  const server = createCatalogServer({
    config: loadCatalogConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }),
    databaseUrl: database.url,
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
    async stop() {
      await server.stop();
      await database.drop();
    },
  };
}
