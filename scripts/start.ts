// `npm start`: the whole stack on one machine, and the shop's web app in front of it. Without
// DATABASE_URL, an embedded Postgres (PGlite, its files under data/pglite) holds the three
// domain databases; each service runs as its own process, exactly as it would when deployed
// alone. The web app (built by `npm run build`) is static files, served from this process.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { repositoryRoot, writeSupergraph } from '@storefront/gateway/compose';
import type { EmbeddedPostgres } from '@storefront/db/embedded';
import { InProcessBus, serveBusToChild } from '@storefront/events';
import { serviceCommand, serviceProcessEnv } from '@storefront/config';
import { SERVICES, serviceNamed, SUBGRAPHS, type Service } from '@storefront/stack';
import { isIP } from 'node:net';
import { startBanner } from './start-banner.js';
import { loadWebAppConfig } from '@storefront/web/config';
import { serveWebApp, type RunningWebApp } from '@storefront/web/serve';

const gateway = serviceNamed('gateway');

function portOf(service: Service): number {
  const value = Number(process.env[service.portVariable] ?? service.defaultPort);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    console.error(`${service.portVariable} must be a port number (1-65535), got "${process.env[service.portVariable]}"`);
    process.exit(1);
  }
  return value;
}

/** Where this machine reaches the services: HOST (every service reads it) unless that means every interface. */
function reachableHost(host: string | undefined): string {
  if (!host || host === '0.0.0.0' || host === '::') return 'localhost';
  return isIP(host) === 6 ? `[${host}]` : host;
}
const host = reachableHost(process.env.HOST?.trim());
const urlOf = (service: Service) => `http://${host}:${portOf(service)}`;
const children: ChildProcess[] = [];
// Resolved once a child has exited and its output has been read to the end, so its last log
// lines ("stopped") are printed before this process exits.
const closed = new WeakMap<ChildProcess, Promise<void>>();
// Without Redis the services share this process's event bus over their IPC channels.
const redisConfigured = Boolean(process.env.REDIS_URL || process.env.REDIS_CLUSTER_NODES);
const sharedBus = redisConfigured ? undefined : new InProcessBus();
const embedded: EmbeddedPostgres[] = [];
let webApp: RunningWebApp | undefined;
let stopping = false;

// One SUBGRAPH_SECRET for the whole stack: the gateway (and orders, calling catalog) sign
// subgraph requests with it and the subgraphs verify it. Unless set, a fresh random one per
// run, so no well-known value ever opens the subgraphs' ports.
const subgraphSecret = process.env.SUBGRAPH_SECRET || randomBytes(32).toString('base64url');

function run(service: Service, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, serviceCommand(service.workspace), {
    cwd: repositoryRoot,
    env: serviceProcessEnv({
      ...process.env,
      SUBGRAPH_SECRET: subgraphSecret,
      ...env,
      ...(sharedBus ? { STOREFRONT_EVENT_BUS: 'parent' } : {}),
    }),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  if (sharedBus) serveBusToChild(sharedBus, child);
  const label = `[${service.name}]`.padEnd(10);
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => console.log(`${label} ${line}`));
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${label} exited (${signal ?? code}); stopping the stack`);
    void stop(1);
  });
  children.push(child);
  closed.set(child, new Promise((resolve) => child.once('close', () => resolve())));
  return child;
}

async function waitUntilReady(service: Service, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const url = `${urlOf(service)}/health/ready`;
  while (Date.now() < deadline) {
    if (stopping) return;
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    // Every wait here is time added to the start; a refused connection costs next to nothing.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${service.name} did not become ready at ${url}`);
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.map((child) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return closed.get(child) ?? Promise.resolve();
    }),
  );
  await Promise.all(embedded.map((database) => database.stop()));
  await webApp?.close();
  process.exit(code);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

// The shop first: its port is the one a newcomer opens, so a clash is reported before anything starts.
try {
  const webAppConfig = loadWebAppConfig();
  webApp = await serveWebApp({ port: webAppConfig.port, runtime: webAppConfig.runtime });
  // The BFF lets the shop's origin call it with cookies, wherever the shop is served.
  process.env.WEB_ORIGINS ||= webApp.url;
} catch (error) {
  const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
  console.error(
    taken
      ? `The web app's port is taken (${(error as Error).message}); set WEB_APP_PORT to a free one.`
      : (error as Error).message,
  );
  process.exit(1);
}

await writeSupergraph();

// Where each subgraph answers (USERS_URL ...), for the gateway and for subgraphs that call another (orders calls catalog).
const subgraphUrls = Object.fromEntries(SUBGRAPHS.map((service) => [service.urlVariable, `${urlOf(service)}/graphql`]));

/** The subgraphs' databases: the configured server, or an embedded Postgres per domain, started here. */
async function databaseEnv(): Promise<NodeJS.ProcessEnv> {
  if (process.env.DATABASE_URL) return {};
  const env: NodeJS.ProcessEnv = {};
  const { EMBEDDED_DATA_DIR, startEmbeddedPostgres } = await import('@storefront/db/embedded');
  // Overridable so a second stack (or a test) can run beside the first.
  const dataDir = process.env.EMBEDDED_PG_DIR ?? EMBEDDED_DATA_DIR;
  const basePort = process.env.EMBEDDED_PG_PORT ? Number(process.env.EMBEDDED_PG_PORT) : undefined;
  // Side by side: each loads its WebAssembly build and its files.
  await Promise.all(
    SUBGRAPHS.map(async ({ name, embeddedDatabasePort }, index) => {
      const database = await startEmbeddedPostgres({
        dataDir: path.join(dataDir, name),
        port: basePort === undefined ? embeddedDatabasePort : basePort + index,
      });
      embedded.push(database);
      env[`${name.toUpperCase()}_DATABASE_URL`] = database.url;
    }),
  );
  // PGlite serves one session at a time.
  env.DATABASE_POOL_MAX = '1';
  console.log(
    `Using the embedded Postgres in ${path.relative(repositoryRoot, dataDir) || dataDir} (set DATABASE_URL to use a server).`,
  );
  return env;
}

try {
  // All at once, but the subgraphs only once their databases are up: no service needs another
  // one to become ready (the gateway serves the supergraph file written above; a BFF's
  // readiness is its cache), so the gateway and the BFFs load while the embedded Postgres
  // starts, and no core sits idle while one tier waits for the one it calls.
  run(gateway, {
    // The BFFs (on this machine) name their clients' addresses, which rate and sign-in limits go by.
    TRUST_PROXY: process.env.TRUST_PROXY || 'loopback',
    ...subgraphUrls,
  });
  for (const service of SERVICES.filter(({ role }) => role === 'bff'))
    run(service, { [gateway.urlVariable]: `${urlOf(gateway)}/graphql` });
  const databases = await databaseEnv();
  for (const service of SUBGRAPHS) run(service, { ...databases, ...subgraphUrls });
  await Promise.all(SERVICES.map((service) => waitUntilReady(service)));
} catch (error) {
  console.error((error as Error).message);
  await stop(1);
}

// A service that exited while the others were starting has already begun stopping the stack.
if (!stopping) {
  console.log(
    startBanner({
      nodeEnv: process.env.NODE_ENV,
      urls: {
        ...(webApp ? { shop: webApp.url } : {}),
        web: urlOf(serviceNamed('bff-web')),
        mobile: urlOf(serviceNamed('bff-mobile')),
        gateway: urlOf(gateway),
        users: urlOf(serviceNamed('users')),
        catalog: urlOf(serviceNamed('catalog')),
        orders: urlOf(serviceNamed('orders')),
      },
      redis: redisConfigured,
    }),
  );
}
