import pg from 'pg';
import { databaseName, withDatabase } from './urls.js';

const SAFE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function quoted(name: string): string {
  if (!SAFE_NAME.test(name)) throw new Error(`refusing unusual database name "${name}"`);
  return `"${name}"`;
}

/**
 * A connected single-use client. Its 'error' listener keeps a connection the server drops
 * (restart, idle timeout) from crashing the process; the pending query still fails.
 */
export async function connectClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function withMaintenanceClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectClient(withDatabase(url, 'postgres'));
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates the database named in `url` on its server when it does not exist yet. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  return withMaintenanceClient(url, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoted(name)}`);
    } catch (error) {
      // Another process created it between our check and our CREATE: Postgres reports that
      // as duplicate_database (42P04) or, when both CREATEs overlap, as a unique violation
      // on pg_database's name index (23505).
      const code = (error as { code?: string }).code;
      if (code === '42P04') return false;
      if (code === '23505') {
        const created = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (created.rowCount) return false;
      }
      throw error;
    }
    return true;
  });
}

/** Drops the database named in `url`, closing its remaining connections. */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withMaintenanceClient(url, (client) => client.query(`DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`));
}
