import { randomBytes } from 'node:crypto';
import { dropDatabase, ensureDatabase, migrate, migrationsDir, withDatabase, type Domain } from '@storefront/db';

/** The real Postgres server tests use: `TEST_DATABASE_URL`, else this machine's default. */
export const testServerUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** The real Redis tests use. */
export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database for `domain` on the test server, with a unique name. */
export async function createTestDatabase(domain: Domain, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `sf_test_${randomBytes(5).toString('hex')}_${domain}`;
  const url = withDatabase(testServerUrl, name);
  await ensureDatabase(url);
  if (options.migrate ?? true) await migrate(url, migrationsDir(domain));
  return { url, drop: () => dropDatabase(url) };
}
