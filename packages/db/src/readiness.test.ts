import pg from 'pg';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createTestDatabase, eventually, type TestDatabase } from '@storefront/testing';
import { migrate } from './migrate.js';
import { migrationsDir } from './paths.js';
import { migrationReadiness, migrationStatus, whenMigrated, type Queryable } from './readiness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh, unmigrated users database and a connection to it that counts its statements. */
async function unmigrated(): Promise<{ db: TestDatabase; client: Queryable; statements: () => number }> {
  const db = await createTestDatabase('users', { migrate: false });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  cleanups.push(
    () => db.drop(),
    () => client.end(),
  );
  let statements = 0;
  const counted: Queryable = {
    query: (sql: string) => {
      statements += 1;
      return client.query(sql);
    },
  };
  return { db, client: counted, statements: () => statements };
}

const until = (condition: () => Promise<boolean> | boolean) => eventually(condition, Boolean, 'the condition', 30_000);

describe('migrationReadiness', () => {
  it('names every migration an empty database lacks, then nothing once migrated', async () => {
    const { db, client } = await unmigrated();
    const before = await migrationStatus('users', client);
    expect(before.pending).toEqual(['20261121000000_init']);
    await migrate(db.url, migrationsDir('users'));
    expect(await migrationStatus('users', client)).toEqual({ pending: [], unfinished: [] });
  });

  it('answers probes from a cache, logs each change once, and turns up without a restart', async () => {
    const { db, client, statements } = await unmigrated();
    const lines: Array<[string, string]> = [];
    const logger = {
      warn: (_: object, message: string) => lines.push(['warn', message]),
      info: (_: object, message: string) => lines.push(['info', message]),
    };
    const readiness = migrationReadiness('users', client, { cacheMs: 200, logger });

    const [first, second] = await Promise.all([readiness.check(), readiness.check()]);
    expect(first).toEqual({ up: false, reason: expect.stringContaining('1 not applied: 20261121000000_init') });
    expect(second).toEqual(first);
    await readiness.check();
    expect(statements()).toBe(1);
    expect(lines).toEqual([['warn', `not ready: ${first.reason}`]]);

    let started = 0;
    const stopWaiting = await whenMigrated(readiness, () => (started += 1), 20);
    cleanups.push(async () => stopWaiting());
    expect(started).toBe(0);
    await migrate(db.url, migrationsDir('users'));
    await until(async () => (await readiness.check()).up);
    await until(() => started === 1);
    // A probe during the migration may see it started but unfinished: one more warning, then ready.
    expect(lines[0]).toEqual(['warn', `not ready: ${first.reason}`]);
    expect(lines.at(-1)).toEqual(['info', 'database migrations are all applied: ready']);
    expect(lines.length).toBeLessThanOrEqual(3);
  }, 60_000);
});
