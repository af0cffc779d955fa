import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRedisClient, deleteKeys, isCluster, type RedisClient, type RedisConnection } from '@storefront/redis';
import { afterAll } from '@jest/globals';
import { eventually } from './eventually.js';

/** The real Redis server tests use: `TEST_REDIS_URL`, else this machine's default. */
export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const testRedis: RedisConnection = { kind: 'standalone', url: testRedisUrl };

/** A Redis Cluster of this test run's own: its nodes, and a way to stop it. */
export interface TestRedisCluster {
  connection: RedisConnection;
  stop(): Promise<void>;
}

/** The cluster bus listens on the port plus 10000, so nodes take ports up to 55535. */
const HIGHEST_NODE_PORT = 55_535;
const LOWEST_NODE_PORT = 20_000;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `count` ports whose cluster-bus ports (plus 10000) are free as well. */
async function clusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = LOWEST_NODE_PORT + Math.floor(Math.random() * (HIGHEST_NODE_PORT - LOWEST_NODE_PORT));
    if (!ports.includes(port) && (await portFree(port)) && (await portFree(port + 10_000))) ports.push(port);
  }
  return ports;
}

/** Runs a command to its end; rejects with its output when it fails. */
function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`)),
    );
  });
}

/** Waits for `condition`; a check that throws (a node not up yet) counts as false. */
const until = (what: string, condition: () => Promise<boolean>) =>
  eventually(() => condition().catch(() => false), Boolean, `Redis Cluster: ${what}`, { timeoutMs: 20_000, intervalMs: 50 });

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Starts a Redis Cluster of `masters` nodes (no replicas) from the installed `redis-server`,
 * on free ports, with its files in a temporary folder: `redis-cli --cluster create` spreads
 * the 16384 slots over the nodes, then every node is waited for until it reports the cluster
 * ready. Nothing is persisted; `stop()` ends the nodes and removes the folder.
 */
export async function startRedisCluster(masters = 3): Promise<TestRedisCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sf-redis-cluster-'));
  const ports = await clusterPorts(masters);
  const nodes: ChildProcess[] = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '5000',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--logfile',
        `redis-${port}.log`,
      ],
      { stdio: 'ignore' },
    ),
  );
  const killOnExit = () => nodes.forEach((node) => node.kill('SIGKILL'));
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    await Promise.all(nodes.map(stopProcess));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const cli = (port: number, ...args: string[]) => run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
    await Promise.all(
      ports.map((port) => until(`node ${port} answering`, async () => (await cli(port, 'PING')).trim() === 'PONG')),
    );
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await Promise.all(
      ports.map((port) =>
        until(`node ${port} in a ready cluster`, async () => (await cli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')),
      ),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { connection: { kind: 'cluster', nodes: ports.map((port) => ({ host: '127.0.0.1', port })) }, stop };
}

/**
 * Waits until a client or store answers `ping` (true or PONG). Clients that refuse commands
 * while they connect (caches and rate limits on a cluster) are ready only then.
 */
export async function answering(ping: () => Promise<unknown>): Promise<void> {
  await until('a PING answered', async () => Boolean(await ping()));
}

/**
 * The Redis a suite runs against, by name: the standalone test server and a three-master
 * cluster. The cluster is started once per test file, when a suite first asks for it, and
 * stopped after the file; call this at the top level of the file (it registers `afterAll`).
 */
export function redisTargets(): Array<[name: 'standalone' | 'cluster', connect: () => Promise<RedisConnection>]> {
  let cluster: Promise<TestRedisCluster> | undefined;
  afterAll(async () => {
    if (cluster) await (await cluster).stop();
  });
  return [
    ['standalone', async () => testRedis],
    ['cluster', async () => (await (cluster ??= startRedisCluster())).connection],
  ];
}

/** Every key of one node (a cluster's nodes are scanned one by one) matching `pattern`. */
async function scanNode(node: RedisClient, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/**
 * Deletes the keys a test made under `prefix`: those starting with it, and those built to
 * share a slot with one (`{<prefix>...}`, e.g. a stream's dead letters).
 */
export async function deleteTestKeys(connection: RedisConnection, prefix: string): Promise<void> {
  const client = createRedisClient(connection, { maxRetriesPerRequest: 1 });
  try {
    const nodes = isCluster(client) ? client.nodes('master') : [client];
    for (const pattern of [`${prefix}*`, `{${prefix}*`]) {
      const keys = (await Promise.all(nodes.map((node) => scanNode(node, pattern)))).flat();
      await deleteKeys(client, keys);
    }
  } finally {
    client.disconnect();
  }
}
