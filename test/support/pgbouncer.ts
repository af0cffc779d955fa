import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { withDatabase } from '@storefront/db';
import { requireInstalled } from './haproxy.js';
import { listenPort } from './listen-port.js';

export const PGBOUNCER = '/usr/sbin/pgbouncer';

export interface PgBouncerOptions {
  /** The Postgres server behind it (host, port and user are taken from this URL). */
  serverUrl: string;
  /** Databases it serves, each passed through under its own name. */
  databases: readonly string[];
  /** Server connections per database (and user): what every client's transactions share. */
  defaultPoolSize: number;
  /** Client connections it accepts in all. */
  maxClientConn: number;
}

export interface PgBouncer {
  port: number;
  /** The URL of `database` through the pooler. */
  url(database: string): string;
  /** `SHOW <what>` on its admin console (POOLS, STATS, ...), one object per row. */
  show(what: 'POOLS' | 'STATS' | 'CONFIG'): Promise<Array<Record<string, unknown>>>;
  stop(): Promise<void>;
}

/**
 * Transaction pooling: a server connection is lent to a client for one transaction (or one
 * statement outside a transaction) and then to the next client. Nothing that lives in a
 * session survives between transactions: session-level advisory locks, SET, LISTEN, and
 * named prepared statements (PgBouncer 1.18 does not track them) must not be used through it.
 */
function configuration(options: PgBouncerOptions, port: number, authFile: string): string {
  const server = new URL(options.serverUrl);
  const target = `host=${server.hostname} port=${server.port || '5432'}`;
  return `[databases]
${options.databases.map((database) => `${database} = ${target} dbname=${database}`).join('\n')}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = trust
auth_file = ${authFile}
admin_users = ${decodeURIComponent(server.username) || 'postgres'}
pool_mode = transaction
default_pool_size = ${options.defaultPoolSize}
max_client_conn = ${options.maxClientConn}
server_reset_query = DISCARD ALL
server_reset_query_always = 0
logfile =
pidfile =
`;
}

/**
 * Starts PgBouncer (Debian's package) in the foreground with a configuration of its own on a
 * free port. It refuses to run as root, so as root it drops to the `postgres` user.
 */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  requireInstalled(PGBOUNCER);
  const dir = await mkdtemp(path.join(tmpdir(), 'storefront-pgbouncer-'));
  const port = await listenPort();
  const user = decodeURIComponent(new URL(options.serverUrl).username) || 'postgres';
  const authFile = path.join(dir, 'userlist.txt');
  const configFile = path.join(dir, 'pgbouncer.ini');
  await writeFile(authFile, `"${user}" ""\n`);
  await writeFile(configFile, configuration(options, port, authFile));
  await chmod(dir, 0o755);

  let output = '';
  const asRoot = process.getuid?.() === 0;
  const child = spawn(PGBOUNCER, [...(asRoot ? ['-u', 'postgres'] : []), configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = (database: string) => withDatabase(`postgresql://${encodeURIComponent(user)}@127.0.0.1:${port}/postgres`, database);

  const show = async (what: string) => {
    const client = new pg.Client({ connectionString: url('pgbouncer') });
    await client.connect();
    try {
      // The admin console speaks the simple query protocol only: no parameters.
      return (await client.query(`SHOW ${what}`)).rows as Array<Record<string, unknown>>;
    } finally {
      await client.end();
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited (${child.exitCode}):\n${output}`);
    if (
      await show('CONFIG').then(
        () => true,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`pgbouncer did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, url, show, stop };
}
