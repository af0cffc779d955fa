// Cold start: `npm start` on a built tree (services compiled, web bundle built) until every
// service answers /health/ready, on the embedded defaults (PGlite, in-process bus) or on the
// Postgres and Redis servers given. Each start is timed twice: the first on fresh data (it
// creates, migrates and seeds the databases), then a restart on the data the first left,
// which is the figure an operator waits for after a deploy or a crash.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SERVICE_NAMES, serviceNamed } from '@storefront/stack';
import { deleteRedisKeys, freePort, repositoryRoot, sleep } from './stack.js';

export interface ColdStartResult {
  mode: 'embedded' | 'real servers';
  /** To every service ready on fresh data (databases created, migrated and seeded), ms. */
  firstMs: number;
  /** To every service ready on the data left by the first start, ms. */
  restartMs: number;
}

/** Ports for every service, the web app and (embedded) three consecutive ones for PGlite. */
async function ports(): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { WEB_APP_PORT: String(await freePort()) };
  for (const name of SERVICE_NAMES) env[serviceNamed(name).portVariable] = String(await freePort());
  // PGlite takes EMBEDDED_PG_PORT and the two after it.
  env.EMBEDDED_PG_PORT = String(await consecutiveFreePorts(3, new Set(Object.values(env).map(Number))));
  return env;
}

async function isFree(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first of `count` consecutive ports that were free a moment ago (and not in `taken`). */
async function consecutiveFreePorts(count: number, taken: Set<number>): Promise<number> {
  for (;;) {
    const first = await freePort();
    const ports = Array.from({ length: count }, (_, index) => first + index);
    if (ports.every((port) => !taken.has(port) && port <= 65_535) && (await Promise.all(ports.map(isFree))).every(Boolean))
      return first;
  }
}

/** One `npm start`, timed from spawn to every service ready, then stopped (its whole process group). */
async function timeStart(env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<number> {
  const started = performance.now();
  const npm = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['start'], {
    cwd: repositoryRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output: string[] = [];
  for (const stream of [npm.stdout, npm.stderr]) {
    stream.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.length > 200) output.shift();
    });
  }
  const exited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
  const pending = new Set(SERVICE_NAMES.map((name) => `http://127.0.0.1:${env[serviceNamed(name).portVariable]}/health/ready`));
  try {
    while (pending.size > 0) {
      if (npm.exitCode !== null || npm.signalCode !== null)
        throw new Error(`npm start exited before every service was ready:\n${output.join('').slice(-2000)}`);
      if (performance.now() - started > timeoutMs)
        throw new Error(`npm start: not every service ready in ${timeoutMs / 1000} s:\n${output.join('').slice(-2000)}`);
      await Promise.all(
        [...pending].map(async (url) => {
          try {
            if ((await fetch(url)).ok) pending.delete(url);
          } catch {
            // not listening yet
          }
        }),
      );
      if (pending.size > 0) await sleep(50);
    }
    return performance.now() - started;
  } finally {
    // The group: npm, the start script and the services it spawned.
    if (npm.exitCode === null && npm.signalCode === null) process.kill(-npm.pid!, 'SIGTERM');
    await Promise.race([exited, sleep(20_000)]);
    // Services may outlive the script by a moment; they stop on its SIGTERM, so wait for their ports to close.
    await sleep(500);
  }
}

export async function measureColdStart(options: {
  databaseUrl?: string | undefined;
  redisUrl?: string | undefined;
}): Promise<ColdStartResult> {
  const runId = randomBytes(4).toString('hex');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'storefront-cold-start-'));
  const prefix = `coldstart_${runId}_`;
  const redisPrefix = `bench:cold:${runId}:`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(await ports()),
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    NODE_OPTIONS: '',
    DATABASE_URL: options.databaseUrl ?? '',
    DATABASE_NAME_PREFIX: prefix,
    EMBEDDED_PG_DIR: dataDir,
    REDIS_URL: options.redisUrl ?? '',
    REDIS_CLUSTER_NODES: '',
    EVENT_STREAM_PREFIX: redisPrefix,
    RATE_LIMIT_KEY_PREFIX: `${redisPrefix}rl:`,
    USERS_DATABASE_URL: '',
    CATALOG_DATABASE_URL: '',
    ORDERS_DATABASE_URL: '',
  };
  try {
    const firstMs = await timeStart(env);
    const restartMs = await timeStart(env);
    return { mode: options.databaseUrl ? 'real servers' : 'embedded', firstMs, restartMs };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    if (options.redisUrl) await deleteRedisKeys(options.redisUrl, redisPrefix).catch(() => undefined);
    if (options.databaseUrl) {
      const { dropDatabase, withDatabase } = await import('@storefront/db');
      for (const domain of ['users', 'catalog', 'orders'])
        await dropDatabase(withDatabase(options.databaseUrl, `${prefix}${domain}`)).catch(() => undefined);
    }
  }
}
