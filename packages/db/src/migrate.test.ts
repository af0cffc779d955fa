import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@storefront/testing';
import { checksumMatches, migrate, MigrationError, type MigrationResult } from './migrate.js';
import { migrationsDir } from './paths.js';

const databases: TestDatabase[] = [];
const tempDirs: string[] = [];

afterEach(async () => {
  await Promise.all(databases.splice(0).map((db) => db.drop()));
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** An empty database: the runner has to create `_prisma_migrations` itself. */
async function emptyDatabase(): Promise<string> {
  const db = await createTestDatabase('users', { migrate: false });
  databases.push(db);
  return db.url;
}

/** A copy of the users migrations plus a second one, in a temp dir the test may edit. */
async function migrationsCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sf-migrations-'));
  tempDirs.push(dir);
  await cp(migrationsDir('users'), dir, { recursive: true });
  await addMigration(dir, '20261122000000_display_name', 'ALTER TABLE "users" ADD COLUMN "display_name" TEXT;\n');
  return dir;
}

async function addMigration(dir: string, name: string, sql: string): Promise<string> {
  await mkdir(path.join(dir, name), { recursive: true });
  const file = path.join(dir, name, 'migration.sql');
  await writeFile(file, sql);
  return file;
}

async function query<Row extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
  logs: string | null;
}

function migrationRows(url: string): Promise<MigrationRow[]> {
  return query<MigrationRow>(
    url,
    `SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count, logs
       FROM "_prisma_migrations" ORDER BY started_at, migration_name`,
  );
}

async function tableExists(url: string, table: string): Promise<boolean> {
  const [row] = await query<{ found: string | null }>(url, 'SELECT to_regclass($1)::text AS found', [table]);
  return row?.found != null;
}

async function fileChecksum(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

describe('migrate', () => {
  it('applies every migration once and records it as Prisma does', async () => {
    const url = await emptyDatabase();
    const dir = await migrationsCopy();

    const first = await migrate(url, dir);
    expect(first).toEqual({ applied: ['20261121000000_init', '20261122000000_display_name'], alreadyApplied: [] });
    expect(await tableExists(url, 'users')).toBe(true);
    expect(await query(url, 'SELECT display_name FROM users')).toEqual([]);

    const second = await migrate(url, dir);
    expect(second).toEqual({ applied: [], alreadyApplied: ['20261121000000_init', '20261122000000_display_name'] });

    const rows = await migrationRows(url);
    expect(rows.map((row) => row.migration_name)).toEqual(['20261121000000_init', '20261122000000_display_name']);
    for (const row of rows) {
      expect(row.checksum).toBe(await fileChecksum(path.join(dir, row.migration_name, 'migration.sql')));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it('records the checksum of the real migrations as the sha256 hex of migration.sql', async () => {
    const url = await emptyDatabase();
    await migrate(url, migrationsDir('orders'));
    const [row] = await migrationRows(url);
    expect(row?.checksum).toBe(await fileChecksum(path.join(migrationsDir('orders'), '20261121000000_init', 'migration.sql')));
    expect(row?.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses to continue when an applied migration was edited', async () => {
    const url = await emptyDatabase();
    const dir = await migrationsCopy();
    await migrate(url, dir);
    const edited = path.join(dir, '20261122000000_display_name', 'migration.sql');
    await writeFile(edited, 'ALTER TABLE "users" ADD COLUMN "display_name" VARCHAR(80);\n');
    await addMigration(dir, '20261123000000_nickname', 'ALTER TABLE "users" ADD COLUMN "nickname" TEXT;\n');

    const attempt = migrate(url, dir);
    await expect(attempt).rejects.toBeInstanceOf(MigrationError);
    await expect(attempt).rejects.toThrow(/20261122000000_display_name was modified after it was applied/);
    // Nothing after the edited migration ran.
    expect((await migrationRows(url)).map((row) => row.migration_name)).not.toContain('20261123000000_nickname');
    expect(
      await query(url, `SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname'`),
    ).toEqual([]);
  });

  it('accepts an applied migration whose only change is its line endings, like Prisma', async () => {
    const url = await emptyDatabase();
    const dir = await migrationsCopy();
    await migrate(url, dir);
    const file = path.join(dir, '20261121000000_init', 'migration.sql');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/\n/g, '\r\n'));

    expect((await migrate(url, dir)).applied).toEqual([]);
  });

  it('rolls a failing migration back, records it, and applies the fixed version', async () => {
    const url = await emptyDatabase();
    const dir = await migrationsCopy();
    const broken = await addMigration(
      dir,
      '20261123000000_audit',
      `CREATE TABLE "audit_entries" ("id" UUID PRIMARY KEY, "user_id" UUID NOT NULL);
ALTER TABLE "users" ADD COLUMN "audited_at" TIMESTAMPTZ(3);
ALTER TABLE "audit_entries" ADD CONSTRAINT "audit_entries_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "accounts"("id");
`,
    );

    const attempt = migrate(url, dir);
    await expect(attempt).rejects.toBeInstanceOf(MigrationError);
    await expect(attempt).rejects.toThrow(/20261123000000_audit failed: .*"accounts" does not exist/);

    // The migrations before it stay applied; nothing of the failed one is left behind.
    expect(await tableExists(url, 'users')).toBe(true);
    expect(await tableExists(url, 'audit_entries')).toBe(false);
    expect(
      await query(url, `SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'audited_at'`),
    ).toEqual([]);
    const failed = (await migrationRows(url)).find((row) => row.migration_name === '20261123000000_audit');
    expect(failed?.rolled_back_at).toBeInstanceOf(Date);
    expect(failed?.finished_at).toBeNull();
    expect(failed?.logs).toMatch(/"accounts" does not exist/);

    await writeFile(broken, (await readFile(broken, 'utf8')).replace('"accounts"', '"users"'));
    expect(await migrate(url, dir)).toEqual({
      applied: ['20261123000000_audit'],
      alreadyApplied: ['20261121000000_init', '20261122000000_display_name'],
    });
    expect(await tableExists(url, 'audit_entries')).toBe(true);
    const audit = (await migrationRows(url)).filter((row) => row.migration_name === '20261123000000_audit');
    expect(audit).toHaveLength(2);
    const applied = audit.find((row) => row.rolled_back_at === null);
    expect(applied?.finished_at).toBeInstanceOf(Date);
    expect(applied?.checksum).toBe(await fileChecksum(broken));
    expect((await migrate(url, dir)).applied).toEqual([]);
  });

  it('lets two concurrent runs on one database apply each migration exactly once', async () => {
    const url = await emptyDatabase();
    const dir = await migrationsCopy();
    const all = ['20261121000000_init', '20261122000000_display_name'];

    const settled = await Promise.allSettled([migrate(url, dir), migrate(url, dir), migrate(url, dir)]);
    expect(settled.map((outcome) => (outcome.status === 'rejected' ? String(outcome.reason) : 'ok'))).toEqual(['ok', 'ok', 'ok']);
    const results = settled.map((outcome) => (outcome as PromiseFulfilledResult<MigrationResult>).value);

    expect(results.flatMap((result) => result.applied).sort()).toEqual(all);
    for (const result of results) expect([...result.applied, ...result.alreadyApplied].sort()).toEqual(all);
    const rows = await migrationRows(url);
    expect(rows.map((row) => row.migration_name)).toEqual(all);
    expect(rows.every((row) => row.finished_at !== null && row.rolled_back_at === null)).toBe(true);
  });
});

describe('checksumMatches', () => {
  const sql = 'CREATE TABLE "a" ("id" INTEGER);\nCREATE TABLE "b" ("id" INTEGER);\n';
  const digest = createHash('sha256').update(sql).digest();

  it('matches the zero-padded hex checksum and tells an edited script apart', () => {
    expect(checksumMatches(sql, digest.toString('hex'))).toBe(true);
    expect(checksumMatches(`${sql}-- edited\n`, digest.toString('hex'))).toBe(false);
  });

  it('ignores line endings and accepts the unpadded checksums old Prisma versions wrote', () => {
    expect(checksumMatches(sql.replace(/\n/g, '\r\n'), digest.toString('hex'))).toBe(true);
    const unpadded = [...digest].map((byte) => byte.toString(16)).join('');
    expect(unpadded.length).toBeLessThan(64); // this script's digest has bytes below 0x10
    expect(checksumMatches(sql, unpadded)).toBe(true);
    expect(checksumMatches(`${sql}-- edited\n`, unpadded)).toBe(false);
  });
});
