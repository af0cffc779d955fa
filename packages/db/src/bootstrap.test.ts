import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from '@jest/globals';
import { serviceNamed } from '@storefront/stack';
import { testServerUrl } from '@storefront/testing';
import { dropDatabase, ensureDatabase } from './admin.js';
import { prepareDomainDatabase } from './bootstrap.js';
import { databaseName, withDatabase } from './urls.js';

const created: string[] = [];

afterEach(async () => {
  await Promise.all(created.splice(0).map((url) => dropDatabase(url)));
});

function uniquePrefix(): string {
  return `sf_test_${randomBytes(5).toString('hex')}_`;
}

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: testServerUrl });
  await client.connect();
  try {
    return Boolean((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount);
  } finally {
    await client.end();
  }
}

describe('prepareDomainDatabase', () => {
  it('creates and migrates the domain database on the server DATABASE_URL names', async () => {
    const prefix = uniquePrefix();
    const env = { DATABASE_URL: testServerUrl, DATABASE_NAME_PREFIX: prefix };

    const database = await prepareDomainDatabase(serviceNamed('users'), { env });
    created.push(database.url);

    expect(databaseName(database.url)).toBe(`${prefix}users`);
    expect(database.embedded).toBe(false);
    expect(database.poolMax).toBe(10);
    expect(await databaseExists(`${prefix}users`)).toBe(true);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL');
      expect(rows).toEqual([{ migration_name: '20261121000000_init' }]);
      await client.query(
        `INSERT INTO users (id, email, name, password_hash) VALUES (gen_random_uuid(), 'a@example.com', 'A', 'x')`,
      );
    } finally {
      await client.end();
    }
    await database.stop();

    // Preparing again keeps the data and applies nothing new.
    const again = await prepareDomainDatabase(serviceNamed('users'), { env, poolMax: 3 });
    expect(again.url).toBe(database.url);
    expect(again.poolMax).toBe(3);
    const check = new pg.Client({ connectionString: again.url });
    await check.connect();
    try {
      expect((await check.query('SELECT email FROM users')).rows).toEqual([{ email: 'a@example.com' }]);
    } finally {
      await check.end();
    }
  });

  it('leaves the schema alone when migrate is false', async () => {
    const prefix = uniquePrefix();
    const database = await prepareDomainDatabase(serviceNamed('orders'), {
      env: { DATABASE_URL: testServerUrl, DATABASE_NAME_PREFIX: prefix },
      migrate: false,
    });
    created.push(database.url);
    expect(await databaseExists(`${prefix}orders`)).toBe(true);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      expect((await client.query(`SELECT to_regclass('orders') AS found`)).rows).toEqual([{ found: null }]);
    } finally {
      await client.end();
    }
  });
});

describe('ensureDatabase', () => {
  it('creates a database once when several processes ask for it at the same time', async () => {
    const url = withDatabase(testServerUrl, `${uniquePrefix()}race`);
    created.push(url);

    const outcomes = await Promise.allSettled([
      ensureDatabase(url),
      ensureDatabase(url),
      ensureDatabase(url),
      ensureDatabase(url),
    ]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    const createdCount = outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value).length;
    expect(createdCount).toBe(1);
    expect(await databaseExists(databaseName(url))).toBe(true);
    expect(await ensureDatabase(url)).toBe(false);
  });

  it('refuses database names it would have to quote', async () => {
    await expect(ensureDatabase(withDatabase(testServerUrl, 'Bad-Name'))).rejects.toThrow(/refusing unusual database name/);
  });
});
