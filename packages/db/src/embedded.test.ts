import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { schemaDrift } from './drift.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js';
import { migrate, readMigrations } from './migrate.js';
import { migrationsDir } from './paths.js';

const running: EmbeddedPostgres[] = [];
const tempDirs: string[] = [];

afterEach(async () => {
  for (const server of running.splice(0)) await server.stop();
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function start(dataDir: string): Promise<EmbeddedPostgres> {
  const server = await startEmbeddedPostgres({ dataDir, port: 0 });
  running.push(server);
  return server;
}

async function stop(server: EmbeddedPostgres): Promise<void> {
  running.splice(running.indexOf(server), 1);
  await server.stop();
}

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

// PGlite boots Postgres in WebAssembly: seconds per start, more on a busy machine.
describe('startEmbeddedPostgres', () => {
  jest.setTimeout(120_000);
  it('serves a migrated database whose data survives a restart on the same directory', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sf-pglite-'));
    tempDirs.push(dataDir);

    const first = await start(dataDir);
    expect(first.url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres/);
    expect(new URL(first.url).port).not.toBe('0');
    const all = (await readMigrations(migrationsDir('catalog'))).map((migration) => migration.name);
    expect((await migrate(first.url, migrationsDir('catalog'))).applied).toEqual(all);
    await withClient(first.url, (client) =>
      client.query(`INSERT INTO categories (id, slug, name, position) VALUES ($1, 'lamps', 'Lamps', 3)`, [
        '6f1c2b9e-4c55-4f0a-9a59-0d1f6f3b7a21',
      ]),
    );
    await stop(first);

    const second = await start(dataDir);
    const rows = await withClient(second.url, async (client) => ({
      categories: (await client.query('SELECT slug, name, position FROM categories')).rows,
      migrations: (await client.query('SELECT migration_name, finished_at FROM "_prisma_migrations"')).rows,
    }));
    expect(rows.categories).toEqual([{ slug: 'lamps', name: 'Lamps', position: 3 }]);
    expect(rows.migrations.map((row) => row.migration_name).sort()).toEqual(all);
    expect(rows.migrations.every((row) => row.finished_at instanceof Date)).toBe(true);
    expect(await migrate(second.url, migrationsDir('catalog'))).toEqual({ applied: [], alreadyApplied: all });
  });

  it('builds the schema its schema.prisma declares, as the real server does', async () => {
    const server = await start('memory://');
    await migrate(server.url, migrationsDir('orders'));
    expect(await schemaDrift('orders', server.url)).toEqual([]);
  });
});
