// The stack under test, started the way `npm start` starts it: every service its own
// process (compiled: `node --conditions=storefront-dist <workspace>/dist/main.js`) on free
// ports, on fresh databases.
// Real Postgres and Redis when DATABASE_URL / REDIS_URL are set; otherwise the embedded
// Postgres (PGlite, in memory here, so nothing is left behind) and the event bus in this
// process, served to the services over IPC, exactly as `npm start` does without them.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { serviceCommand, serviceProcessEnv } from '@storefront/config';
import { SERVICE_NAMES, SERVICES, serviceNamed, SUBGRAPHS, type ServiceName } from '@storefront/stack';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export { SERVICE_NAMES, type ServiceName };

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A child process of the benchmark, with the tail of its output for error messages. */
export interface Child {
  name: string;
  process: ChildProcess;
  /** The last lines it printed. */
  tail(): string;
  stop(): Promise<void>;
}

export function spawnChild(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { ipc?: boolean; onExit?: (code: number | null, signal: NodeJS.Signals | null) => void } = {},
): Child {
  const child = spawn(process.execPath, args, {
    cwd: repositoryRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 40) lines.shift();
      if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${line}\n`);
    });
  }
  let stopping = false;
  child.on('exit', (code, signal) => {
    if (!stopping) options.onExit?.(code, signal);
  });
  return {
    name,
    process: child,
    tail: () => lines.join('\n'),
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export async function waitForUrl(url: string, what: string, child?: Child, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && (child.process.exitCode !== null || child.process.signalCode !== null)) {
      throw new Error(`${what} exited before it was ready:\n${child.tail()}`);
    }
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${what} did not become ready at ${url}${child ? `:\n${child.tail()}` : ''}`);
}

export interface StackOptions {
  /** A Postgres server; unset → embedded Postgres (PGlite) in this process. */
  databaseUrl?: string | undefined;
  /** Redis for caches, persisted queries, rate limits and events; unset → in process. */
  redisUrl?: string | undefined;
  /** Extra environment for every service (e.g. `--cpu-prof` through NODE_OPTIONS for one). */
  env?: NodeJS.ProcessEnv;
  /** Extra environment per service. */
  serviceEnv?: Partial<Record<ServiceName, NodeJS.ProcessEnv>>;
  /** Extra node flags per service (e.g. `--cpu-prof`, which NODE_OPTIONS does not take). */
  nodeArgs?: Partial<Record<ServiceName, string[]>>;
  logLevel?: string;
  /** Called when a service dies while the stack is up. */
  onCrash?: (name: ServiceName, detail: string) => void;
}

export interface Stack {
  urls: Record<ServiceName, string>;
  /** `http://127.0.0.1:<port>/graphql` of each service. */
  graphql: Record<ServiceName, string>;
  /** Shared by every service: the gateway signs with it, the subgraphs verify it. */
  subgraphSecret: string;
  jwtSecret: string;
  redisUrl: string | undefined;
  /** Key prefix of this run in Redis (streams, rate limits, the ceiling's key). */
  runPrefix: string;
  mode: { database: 'postgres' | 'embedded'; redis: 'redis' | 'in-process' };
  pids: Record<ServiceName, number>;
  /** Prometheus text of a service's /metrics. */
  metrics(name: ServiceName): Promise<string>;
  /**
   * Another instance of a service beside the stack's (its own port, the stack's settings plus
   * `env`, e.g. a gateway with other subgraph URLs), stopped with the stack; resolves when ready.
   */
  startInstance(
    service: ServiceName,
    label: string,
    env: NodeJS.ProcessEnv,
    nodeArgs?: string[],
  ): Promise<{ url: string; child: Child }>;
  stop(): Promise<void>;
}

/** Every service's settings for load: roomy rate limits (the limiters still run) and quiet logs. */
function loadEnv(options: StackOptions): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'development',
    LOG_LEVEL: options.logLevel ?? 'warn',
    RATE_LIMIT_PER_USER: '1000000000',
    RATE_LIMIT_PER_IP: '1000000000',
    // The live arm's thousand subscribers all come from this machine's one address.
    LIVE_MAX_CONNECTIONS_PER_IP: '0',
    // Keep the environment of the shell from changing what is measured.
    DATABASE_URL: '',
    REDIS_URL: '',
    REDIS_CLUSTER_NODES: '',
    ...Object.fromEntries(SUBGRAPHS.map(({ name }) => [`${name.toUpperCase()}_DATABASE_URL`, ''])),
    NODE_OPTIONS: '',
  };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  // The services run compiled, as `npm start` runs them.
  execFileSync(process.execPath, [path.join(repositoryRoot, 'scripts', 'build.mjs')], { stdio: 'ignore' });
  const runId = randomBytes(4).toString('hex');
  const runPrefix = `bench:${runId}:`;
  const subgraphSecret = randomBytes(32).toString('base64url');
  const jwtSecret = randomBytes(32).toString('base64url');
  const ports = Object.fromEntries(
    await Promise.all(SERVICE_NAMES.map(async (name) => [name, await freePort()] as const)),
  ) as Record<ServiceName, number>;
  const urls = Object.fromEntries(SERVICE_NAMES.map((name) => [name, `http://127.0.0.1:${ports[name]}`])) as Record<
    ServiceName,
    string
  >;
  const graphqlUrls = Object.fromEntries(SERVICE_NAMES.map((name) => [name, `${urls[name]}/graphql`])) as Record<
    ServiceName,
    string
  >;

  const cleanups: Array<() => Promise<void>> = [];
  const children: Child[] = [];
  let stopped = false;
  const base: NodeJS.ProcessEnv = {
    ...loadEnv(options),
    SUBGRAPH_SECRET: subgraphSecret,
    JWT_SECRET: jwtSecret,
    ...Object.fromEntries(SERVICES.map(({ name, portVariable }) => [portVariable, String(ports[name])])),
    ...options.env,
  };

  // Databases: fresh ones named bench_<run>_<domain> on the server, dropped afterwards.
  const databaseEnv: NodeJS.ProcessEnv = {};
  if (options.databaseUrl) {
    const prefix = `bench_${runId}_`;
    databaseEnv.DATABASE_URL = options.databaseUrl;
    databaseEnv.DATABASE_NAME_PREFIX = prefix;
    cleanups.push(async () => {
      const { dropDatabase, withDatabase } = await import('@storefront/db');
      for (const { name: domain } of SUBGRAPHS) {
        await dropDatabase(withDatabase(options.databaseUrl!, `${prefix}${domain}`)).catch((error: unknown) =>
          process.stderr.write(`could not drop ${prefix}${domain}: ${error instanceof Error ? error.message : String(error)}\n`),
        );
      }
    });
  } else {
    const { startEmbeddedPostgres } = await import('@storefront/db/embedded');
    for (const { name: domain } of SUBGRAPHS) {
      const database = await startEmbeddedPostgres({ dataDir: 'memory://', port: await freePort() });
      cleanups.push(() => database.stop());
      databaseEnv[`${domain.toUpperCase()}_DATABASE_URL`] = database.url;
    }
    // PGlite serves one session at a time (as `npm start` sets it).
    databaseEnv.DATABASE_POOL_MAX = '1';
  }

  // Redis (streams, caches, persisted queries, rate limits) or the bus in this process.
  let sharedBus: import('@storefront/events').InProcessBus | undefined;
  let serveBusToChild: typeof import('@storefront/events').serveBusToChild | undefined;
  const redisEnv: NodeJS.ProcessEnv = {};
  if (options.redisUrl) {
    redisEnv.REDIS_URL = options.redisUrl;
    redisEnv.EVENT_STREAM_PREFIX = runPrefix;
    redisEnv.RATE_LIMIT_KEY_PREFIX = `${runPrefix}rl:`;
    redisEnv.RESPONSE_CACHE_KEY_PREFIX = `${runPrefix}cache:`;
    cleanups.push(() => deleteRedisKeys(options.redisUrl!, runPrefix));
  } else {
    const events = await import('@storefront/events');
    sharedBus = new events.InProcessBus();
    serveBusToChild = events.serveBusToChild;
    redisEnv.STOREFRONT_EVENT_BUS = 'parent';
  }

  const pids = {} as Record<ServiceName, number>;
  const startedEnv = {} as Record<ServiceName, NodeJS.ProcessEnv>;
  /** `exitIsCrash` says whether an exit now is a crash to report (not while a retried start is still trying its port). */
  const spawnService = (
    service: ServiceName,
    label: string,
    env: NodeJS.ProcessEnv,
    nodeArgs: string[],
    exitIsCrash: () => boolean = () => true,
  ) => {
    const child = spawnChild(
      label,
      [...nodeArgs, ...serviceCommand(serviceNamed(service).workspace)],
      serviceProcessEnv({ ...base, ...redisEnv, ...env }),
      {
        ipc: true,
        onExit: (code, signal) => {
          if (exitIsCrash()) options.onCrash?.(service, `${label} exited (${signal ?? code}):\n${child.tail()}`);
        },
      },
    );
    if (sharedBus && serveBusToChild) serveBusToChild(sharedBus, child.process);
    return child;
  };
  const run = (name: ServiceName, env: NodeJS.ProcessEnv) => {
    startedEnv[name] = { ...env, ...options.serviceEnv?.[name] };
    const child = spawnService(name, name, startedEnv[name], options.nodeArgs?.[name] ?? []);
    children.push(child);
    pids[name] = child.process.pid!;
    return child;
  };

  const extraInstances: Child[] = [];
  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    // Extra instances, the BFFs, then the gateway, then the subgraphs: nothing calls a stopped service.
    await Promise.all(extraInstances.map((child) => child.stop()));
    for (const role of ['bff', 'gateway', 'subgraph']) {
      const group = SERVICES.filter((service) => service.role === role).map((service): string => service.name);
      await Promise.all(children.filter((child) => group.includes(child.name)).map((child) => child.stop()));
    }
    await sharedBus?.close();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }

  try {
    // Each role waits for the one before it; every service is told where the ones it calls answer (USERS_URL ..., GATEWAY_URL).
    const peerUrls = Object.fromEntries(
      SERVICES.flatMap((service) => ('urlVariable' in service ? [[service.urlVariable, graphqlUrls[service.name]]] : [])),
    );
    for (const role of ['subgraph', 'gateway', 'bff']) {
      const started = SERVICES.filter((service) => service.role === role).map(({ name }) =>
        run(name, { ...(role === 'subgraph' ? databaseEnv : {}), ...peerUrls }),
      );
      await Promise.all(started.map((child) => waitForUrl(`${urls[child.name as ServiceName]}/health/ready`, child.name, child)));
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    urls,
    graphql: graphqlUrls,
    subgraphSecret,
    jwtSecret,
    redisUrl: options.redisUrl,
    runPrefix,
    mode: { database: options.databaseUrl ? 'postgres' : 'embedded', redis: options.redisUrl ? 'redis' : 'in-process' },
    pids,
    async metrics(name) {
      const response = await fetch(`${urls[name]}/metrics`);
      if (!response.ok) throw new Error(`${name} /metrics answered ${response.status}`);
      return response.text();
    },
    async startInstance(service, label, env, nodeArgs = []) {
      // A port found free can be taken by another process (a parallel test's stack) before the
      // child binds it: then the child exits with EADDRINUSE, and another port is tried.
      for (let attempt = 1; ; attempt += 1) {
        const port = await freePort();
        let ready = false;
        const child = spawnService(
          service,
          label,
          { ...startedEnv[service], [serviceNamed(service).portVariable]: String(port), ...env },
          nodeArgs,
          () => ready || attempt >= 3,
        );
        extraInstances.push(child);
        const url = `http://127.0.0.1:${port}`;
        try {
          await waitForUrl(`${url}/health/ready`, label, child);
          ready = true;
          return { url: `${url}/graphql`, child };
        } catch (error) {
          if (attempt >= 3 || !child.tail().includes('EADDRINUSE')) throw error;
          await child.stop();
        }
      }
    },
    stop,
  };
}

/** Deletes every key under `prefix` (this run's streams, counters and ceiling key). */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** The value of a Prometheus series (summed over its label sets matching `labels`). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let found = false;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[3] ?? '';
    if (Object.entries(labels).some(([key, value]) => !labelText.includes(`${key}="${value}"`))) continue;
    found = true;
    sum += Number(match[4]);
  }
  return found ? sum : undefined;
}
