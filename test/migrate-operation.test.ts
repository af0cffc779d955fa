import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { serviceCommand } from '@storefront/config';
import pg from 'pg';
import { DATABASE_DOMAINS as DOMAINS, type SubgraphName as Domain } from '@storefront/stack';
import {
  dropDatabase,
  migrateCommand,
  migrationStatus,
  migrationsDir,
  readMigrations,
  repositoryRoot,
  withDatabase,
} from '@storefront/db';
import { products } from '@storefront/catalog/seed-data';
import { ada } from '@storefront/users/seed-data';
import { eventually, expectLabelled, testRedisUrl, testServerUrl } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deleteRedisKeys, freePort, spawnChild, startStack, type Child, type Stack } from '../bench/stack.js';
import { sendPersisted } from './support/mobile.js';
import { ordersOf, productPage, signedIn } from './support/web.js';

/**
 * Migrations as an operation, as a deploy runs them: `npm run migrate` and `npm run seed` as
 * real child processes, and the services compiled and in production mode, as in the image.
 */

interface Finished {
  code: number;
  output: string;
}

/** Runs an npm script from the repository root to its end. */
function npmRun(script: string, env: NodeJS.ProcessEnv): Promise<Finished> {
  return new Promise((resolve) => {
    const options = { cwd: repositoryRoot, env: { ...process.env, ...cleanDatabaseEnv, ...env }, timeout: 110_000 };
    execFile('npm', ['run', '--silent', script], options, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** No database variable of the shell running the tests reaches a child. */
const cleanDatabaseEnv: NodeJS.ProcessEnv = Object.fromEntries(
  [
    'DATABASE_URL',
    'DATABASE_NAME_PREFIX',
    'MIGRATION_DATABASE_URL',
    'MIGRATE_DOMAINS',
    ...DOMAINS.flatMap((domain) => {
      const upper = domain.toUpperCase();
      return [`${upper}_DATABASE_URL`, `${upper}_MIGRATION_DATABASE_URL`];
    }),
  ].map((name) => [name, '']),
);

const secrets = { JWT_SECRET: randomBytes(32).toString('base64url'), SUBGRAPH_SECRET: randomBytes(32).toString('base64url') };
/** Nothing listens there: services pointed at it (a pooler that is not up) fail, the migrations must not use it. */
const UNREACHABLE_SERVER = 'postgresql://postgres@127.0.0.1:9/postgres';

const created: string[] = [];
function freshPrefix(): string {
  const prefix = `sf_test_mig_${randomBytes(4).toString('hex')}_`;
  created.push(...DOMAINS.map((domain) => withDatabase(testServerUrl, `${prefix}${domain}`)));
  return prefix;
}

async function connectClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

async function sql(url: string, statement: string): Promise<void> {
  const client = await connectClient(url);
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function readiness(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/health/ready`);
  return { status: response.status, body: await response.json() };
}

/** `probe`'s first answer other than undefined; a probe that throws has no answer yet. */
const until = <T>(what: string, probe: () => Promise<T | undefined>) =>
  eventually(
    () => probe().catch(() => undefined),
    (value) => value !== undefined,
    what,
    { timeoutMs: 30_000, intervalMs: 200 },
  ) as Promise<T>;

const shipped = Object.fromEntries(
  await Promise.all(
    DOMAINS.map(async (domain) => [domain, (await readMigrations(migrationsDir(domain))).map((m) => m.name)] as const),
  ),
) as Record<Domain, string[]>;

afterAll(async () => {
  await Promise.all(created.map((url) => dropDatabase(url)));
});

describe('npm run migrate, then production services', () => {
  const prefix = freshPrefix();
  const domainUrl = (domain: Domain) => withDatabase(testServerUrl, `${prefix}${domain}`);
  // The services' URL is a pooler that is not up; the migrations go to the server directly.
  const migrationEnv = { DATABASE_URL: UNREACHABLE_SERVER, MIGRATION_DATABASE_URL: testServerUrl, DATABASE_NAME_PREFIX: prefix };
  let stack: Stack | undefined;

  afterAll(async () => {
    await stack?.stop();
  });

  it('applies every migration of the three domains to fresh databases through MIGRATION_DATABASE_URL', async () => {
    const run = await npmRun('migrate', migrationEnv);
    expectLabelled(run.code, run.output).toBe(0);
    for (const domain of DOMAINS) {
      expect(run.output).toContain(`${domain}: applied ${shipped[domain].join(', ')}`);
      const client = await connectClient(domainUrl(domain));
      try {
        expect(await migrationStatus(domain, client)).toEqual({ pending: [], unfinished: [] });
      } finally {
        await client.end();
      }
    }
  }, 90_000);

  it('is a no-op the second time', async () => {
    const history = async () => {
      const client = await connectClient(domainUrl('catalog'));
      try {
        return (await client.query('SELECT id, migration_name, finished_at FROM "_prisma_migrations" ORDER BY migration_name'))
          .rows;
      } finally {
        await client.end();
      }
    };
    const before = await history();
    const run = await npmRun('migrate', migrationEnv);
    expectLabelled(run.code, run.output).toBe(0);
    for (const domain of DOMAINS)
      expect(run.output).toContain(`${domain}: up to date (${shipped[domain].length} applied earlier)`);
    expect(run.output).not.toContain('applied 2');
    expect(await history()).toEqual(before);
  }, 90_000);

  it('seed refuses in production, before writing anything', async () => {
    const run = await npmRun('seed', { NODE_ENV: 'production', DATABASE_URL: testServerUrl, DATABASE_NAME_PREFIX: prefix });
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('Refusing to seed: NODE_ENV is production.');
    const client = await connectClient(domainUrl('users'));
    try {
      expect((await client.query('SELECT count(*)::int AS n FROM "users"')).rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  }, 60_000);

  it('seed fills the empty development databases', async () => {
    const run = await npmRun('seed', { NODE_ENV: 'development', DATABASE_URL: testServerUrl, DATABASE_NAME_PREFIX: prefix });
    expectLabelled(run.code, run.output).toBe(0);
    for (const domain of DOMAINS) expect(run.output).toContain(`${domain}: seeded`);
  }, 120_000);

  it('the services in production mode come up ready and answer both apps', async () => {
    stack = await startStack({
      databaseUrl: testServerUrl,
      redisUrl: testRedisUrl,
      // Roomy call timeouts: a first sign-in (scrypt) on a busy two-core machine can take seconds.
      env: { NODE_ENV: 'production', ...secrets, SUBGRAPH_TIMEOUT_MS: '30000', GATEWAY_TIMEOUT_MS: '30000' },
      serviceEnv: Object.fromEntries(
        DOMAINS.map((domain) => [domain, { [`${domain.toUpperCase()}_DATABASE_URL`]: domainUrl(domain) }]),
      ),
    });
    for (const domain of DOMAINS) {
      expect(await readiness(stack.urls[domain])).toEqual({
        status: 200,
        body: { status: 'ok', checks: { database: 'up', migrations: 'up' } },
      });
    }

    const web = await signedIn(stack.graphql['bff-web'], ada);
    const product = products[7]!;
    const page = await web.send('ProductPage', { slug: product.slug });
    expect(page.body.errors).toBeUndefined();
    expect(page.body.data!.product).toEqual(productPage(product));
    const viewer = await web.send('Viewer');
    expect(viewer.body.errors).toBeUndefined();
    expect(viewer.body.data!.viewer).toMatchObject({ email: ada.email, orders: { totalCount: ordersOf(ada.id).length } });

    const mobile = stack.graphql['bff-mobile'];
    const logIn = await sendPersisted(mobile, 'LogIn', { email: ada.email, password: ada.password });
    expect(logIn.body.errors).toBeUndefined();
    const token = logIn.body.data!.logIn.session.accessToken as string;
    const detail = await sendPersisted(mobile, 'ProductDetail', { id: product.id }, { token });
    expect(detail.body.errors).toBeUndefined();
    expect(detail.body.data!.product).toMatchObject({ id: product.id, name: product.name, inStock: product.stockQuantity > 0 });
  }, 240_000);

  it('exits non-zero naming the drift when a database was changed by hand', async () => {
    await sql(domainUrl('catalog'), 'ALTER TABLE "products" ADD COLUMN "legacy_code" TEXT');
    const run = await npmRun('migrate', migrationEnv);
    expect(run.code).toBe(1);
    expect(run.output).toContain(`catalog: the database at ${domainUrl('catalog')} does not match prisma/catalog/schema.prisma`);
    expect(run.output).toMatch(/column "products"\."legacy_code" \(text\) exists in the database but not in schema\.prisma/);
    expect(run.output).toContain('users: up to date');
    expect(run.output).toContain('migration failed for catalog');
  }, 120_000);
});

describe('a production subgraph on an unmigrated database', () => {
  const prefix = freshPrefix();
  const database = withDatabase(testServerUrl, `${prefix}catalog`);
  const streamPrefix = `${prefix}events:`;
  let catalog: Child | undefined;

  afterAll(async () => {
    await catalog?.stop();
    await deleteRedisKeys(testRedisUrl, streamPrefix);
  });

  beforeAll(() => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: repositoryRoot, stdio: 'ignore' });
  });

  it('is not ready, names the missing migrations in /health/ready and its log, holds its events back, and turns ready once migrated', async () => {
    const port = await freePort();
    catalog = spawnChild('catalog', serviceCommand('subgraphs/catalog'), {
      ...cleanDatabaseEnv,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      CATALOG_PORT: String(port),
      CATALOG_DATABASE_URL: database,
      REDIS_URL: testRedisUrl,
      EVENT_STREAM_PREFIX: streamPrefix,
      ...secrets,
    });
    const url = `http://127.0.0.1:${port}`;
    const down = await until('the catalog subgraph to answer', () => readiness(url));
    expect(down.status).toBe(503);
    expect(down.body.checks).toEqual({ database: 'up', migrations: 'down' });
    expect(down.body.reasons.migrations).toContain(`${shipped.catalog.length} not applied: ${shipped.catalog.join(', ')}`);
    await until('the log line saying why', async () =>
      catalog!.tail().includes('database is behind its migrations') ? true : undefined,
    );

    const run = await npmRun('migrate', { CATALOG_MIGRATION_DATABASE_URL: database, MIGRATE_DOMAINS: 'catalog' });
    expectLabelled(run.code, run.output).toBe(0);
    const up = await until('readiness after the migration', async () => {
      const answer = await readiness(url);
      return answer.status === 200 ? answer : undefined;
    });
    expect(up.body).toEqual({ status: 'ok', checks: { database: 'up', migrations: 'up' } });
    expect(catalog.process.exitCode).toBeNull();
    await until('the log line saying so', async () =>
      catalog!.tail().includes('database migrations are all applied: ready') ? true : undefined,
    );
    // The outbox relay (every 200 ms) and the consumer waited for the tables instead of failing on them.
    expect(catalog.tail()).not.toMatch(/relay round failed|event failed/);
  }, 120_000);
});

describe('the migration command', () => {
  it('stops naming a bad variable', async () => {
    const lines: string[] = [];
    const output = { info: (line: string) => lines.push(line), error: (line: string) => lines.push(line) };
    expect(await migrateCommand({ DATABASE_URL: testServerUrl, MIGRATE_DOMAINS: 'catalog,inventory' }, output, DOMAINS)).toBe(1);
    expect(lines.join('\n')).toMatch(/MIGRATE_DOMAINS: .*"users"\|"catalog"\|"orders"/);
    lines.length = 0;
    expect(await migrateCommand({ MIGRATION_DATABASE_URL: 'mysql://db/app' }, output, DOMAINS)).toBe(1);
    expect(lines.join('\n')).toContain('MIGRATION_DATABASE_URL');
  });
});
