// The benchmark harness: the stack, the ceiling and peer servers, the load generator process,
// the fixtures the arms need (tokens, enough orders for list size 100, the exact documents the
// apps send), and the measurements that are not load (SQL statements, memory). `bench/run.ts`
// drives it in rounds; `bench/harness.test.ts` runs each arm for about a second.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LoadResult, LoadSpec } from './load/spec.js';
import {
  freePort,
  metricValue,
  repositoryRoot,
  SERVICE_NAMES,
  sleep,
  spawnChild,
  startStack,
  waitForUrl,
  type Child,
  type ServiceName,
  type Stack,
  type StackOptions,
} from './stack.js';

export type ArmKind = 'ceiling' | 'bff-hit' | 'bff-miss' | 'gateway' | 'peer';

export interface Arm {
  id: string;
  label: string;
  kind: ArmKind;
  /** Everything but duration and concurrency. */
  spec: Omit<LoadSpec, 'durationSeconds' | 'connections'>;
}

export interface SkippedArm {
  id: string;
  label: string;
  reason: string;
}

export interface SqlRow {
  operation: string;
  size: number;
  /** Statements per subgraph for one operation. */
  statements: Record<'users' | 'catalog' | 'orders', number>;
  /** Trials that agreed on the figure (background statements are filtered out by taking the least). */
  agreeing: number;
}

export interface MemoryRow {
  process: string;
  rssBytes: number;
  /** V8 heap in use and memory outside it (buffers, WebAssembly), from /metrics. */
  heapUsedBytes?: number;
  externalBytes?: number;
  source: 'metrics' | 'proc';
}

export interface HarnessOptions {
  databaseUrl?: string | undefined;
  redisUrl?: string | undefined;
  /** Orders to place before measuring, so that a page of 100 orders exists. */
  extraOrders: number;
  /** Start the Hive Gateway peer (when installed). */
  hive: boolean;
  /** Install Hive Gateway into bench/peers/node_modules when missing. */
  installHive: boolean;
  stack?: Pick<StackOptions, 'env' | 'serviceEnv' | 'logLevel'>;
  /** Run one process (a service, a peer or a ceiling) under `node --cpu-prof`, profiles into `dir`. */
  profile?: { process: string; dir: string };
  progress?: (message: string) => void;
}

/** The query the gateway and its peers answer under load: all three subgraphs joined. */
export const JOIN_QUERY = /* GraphQL */ `query BenchOrders($first: Int!) {
  orders(first: $first) {
    nodes {
      number
      status
      itemCount
      total { amount currency }
      items { quantity product { name price { amount } category { name } } }
      buyer { name email }
    }
  }
}`;
export const JOIN_PAGE_SIZE = 10;

/** Placeholder the loader replaces with a value never sent before (cache-miss arms). */
const UNIQUE = 'BENCHUNIQUE';

const PEERS_DIR = path.join(repositoryRoot, 'bench', 'peers');
const HIVE_PACKAGE = path.join(PEERS_DIR, 'node_modules', '@graphql-hive', 'gateway', 'package.json');

export function hiveInstalled(): boolean {
  return existsSync(HIVE_PACKAGE);
}

/** `>=20.0.0`-style engine ranges against this Node. */
function satisfiesNode(range: string | undefined): boolean {
  if (!range) return true;
  const current = process.versions.node.split('.').map(Number);
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .split(/\s+/)
      .every((clause) => {
        const match = /^(>=|>|\^|~)?v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(clause);
        if (!match) return true;
        const wanted = [Number(match[2]), Number(match[3] ?? 0), Number(match[4] ?? 0)];
        const compare = current.reduce((result, part, index) => result || part - wanted[index]!, 0);
        if (match[1] === '>') return compare > 0;
        if (match[1] === '^') return current[0] === wanted[0] && compare >= 0;
        return compare >= 0;
      }),
  );
}

/** Installs the peers (Hive Gateway) for the benchmark only; returns why not when it cannot. */
export function ensureHive(install: boolean, progress: (message: string) => void = () => undefined): { ok: true } | { ok: false; reason: string } {
  if (!hiveInstalled()) {
    if (!install) return { ok: false, reason: '@graphql-hive/gateway is not installed in bench/peers (`npm run bench` installs it)' };
    progress('installing @graphql-hive/gateway into bench/peers/node_modules (once) ...');
    const lock = existsSync(path.join(PEERS_DIR, 'package-lock.json'));
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = spawnSync(npm, [lock ? 'ci' : 'install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: PEERS_DIR,
      encoding: 'utf8',
      timeout: 600_000,
    });
    if (result.status !== 0 || !hiveInstalled()) {
      return { ok: false, reason: `npm ${lock ? 'ci' : 'install'} in bench/peers failed: ${(result.stderr || result.stdout || String(result.error)).trim().slice(-600)}` };
    }
  }
  const manifest = JSON.parse(readFileSync(HIVE_PACKAGE, 'utf8')) as { version: string; engines?: { node?: string } };
  if (!satisfiesNode(manifest.engines?.node)) {
    return { ok: false, reason: `@graphql-hive/gateway ${manifest.version} needs Node ${manifest.engines?.node}, this is ${process.version}` };
  }
  return { ok: true };
}

export function hiveVersion(): string | undefined {
  return hiveInstalled() ? (JSON.parse(readFileSync(HIVE_PACKAGE, 'utf8')) as { version: string }).version : undefined;
}

/** A POST with JSON, answered with JSON. */
async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${url} answered ${response.status} with non-JSON: ${text.slice(0, 300)}`);
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

async function waitForGraphQL(url: string, what: string, child: Child, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) throw new Error(`${what} exited:\n${child.tail()}`);
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${what} did not answer at ${url}:\n${child.tail()}`);
}

/** The load generator process: one autocannon run at a time, over IPC. */
class Loader {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (result: LoadResult) => void; reject: (error: Error) => void }>();
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: { id?: number; result?: LoadResult; error?: string }) => {
      if (message.id === undefined) return;
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.result!);
    });
    child.on('exit', () => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error('the load generator exited'));
      this.waiting.clear();
    });
  }

  static async start(): Promise<Loader> {
    const child = fork(path.join(repositoryRoot, 'bench', 'load', 'loader.ts'), [], {
      execArgv: ['--import', 'tsx'],
      cwd: repositoryRoot,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the load generator exited (${code})`)));
    });
    return new Loader(child);
  }

  run(spec: LoadSpec): Promise<LoadResult> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, spec });
    });
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}

function procRss(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface Harness {
  stack: Stack;
  arms: Arm[];
  skipped: SkippedArm[];
  /** The bytes both ceilings answer: a cached web catalog page. */
  payloadBytes: number;
  orders: number;
  load(arm: Arm, durationSeconds: number, connections: number): Promise<LoadResult>;
  /** SQL statements per operation at each list size, per subgraph. */
  statements(sizes: readonly number[], trials: number): Promise<SqlRow[]>;
  /** RSS of every service (from /metrics) and of the bench's own servers (from /proc). */
  memory(): Promise<MemoryRow[]>;
  stop(): Promise<void>;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const progress = options.progress ?? (() => undefined);
  const extras: Child[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  let crashed: string | undefined;
  let loader: Loader | undefined;
  let stack: Stack | undefined;

  let stopped = false;
  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    loader?.stop();
    await Promise.all(extras.map((child) => child.stop()));
    await stack?.stop();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }

  try {
    progress(`starting the stack (${options.databaseUrl ? 'Postgres' : 'embedded Postgres'}, ${options.redisUrl ? 'Redis' : 'no Redis: caches and events in process'}) ...`);
    const profileArgs = (name: string) => (options.profile?.process === name ? ['--cpu-prof', `--cpu-prof-dir=${options.profile.dir}`] : []);
    stack = await startStack({
      databaseUrl: options.databaseUrl,
      redisUrl: options.redisUrl,
      ...options.stack,
      nodeArgs: Object.fromEntries(SERVICE_NAMES.map((name) => [name, profileArgs(name)])),
      onCrash: (_name, detail) => {
        crashed = detail;
        progress(`CRASH: ${detail}`);
      },
    });
    const s = stack;
    loader = await Loader.start();

    // ---- fixtures -----------------------------------------------------------------------
    const { admin, ada } = await import('@storefront/users/seed-data');
    const { products } = await import('@storefront/catalog/seed-data');
    const logIn = async (email: string, password: string) => {
      const response = await post(s.graphql.gateway, {
        query: 'mutation ($email: String!, $password: String!) { logIn(email: $email, password: $password) { session { accessToken } } }',
        variables: { email, password },
      });
      const token = response.body?.data?.logIn?.session?.accessToken as string | undefined;
      if (!token) throw new Error(`could not sign in as ${email}: ${JSON.stringify(response.body).slice(0, 400)}`);
      return token;
    };
    const adminToken = await logIn(admin.email, admin.password);
    const adminHeaders = { authorization: `Bearer ${adminToken}` };

    const pendingOrders = async () =>
      (await post(s.graphql.gateway, { query: '{ orders(status: PENDING, first: 1) { totalCount } }' }, adminHeaders)).body?.data?.orders?.totalCount as
        | number
        | undefined;
    // The seed has pending orders of its own, which no event will ever move.
    const pendingBefore = await pendingOrders();
    // Orders, so that list size 100 means 100 (the seed has 4).
    if (options.extraOrders > 0) {
      progress(`placing ${options.extraOrders} orders ...`);
      const adaToken = await logIn(ada.email, ada.password);
      const inStock = products.filter((product) => product.stockQuantity >= 10);
      const place = async (n: number) => {
        const items = [inStock[n % inStock.length]!, inStock[(n * 7 + 3) % inStock.length]!]
          .filter((product, index, all) => all.findIndex((other) => other.id === product.id) === index)
          .map((product) => ({ productId: product.id, quantity: 1 }));
        const response = await post(
          s.graphql.gateway,
          {
            query: 'mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { order { id } userErrors { code message } } }',
            variables: { input: { items }, key: `bench-${n}` },
          },
          { authorization: `Bearer ${adaToken}` },
        );
        if (!response.body?.data?.placeOrder?.order?.id) throw new Error(`placeOrder failed: ${JSON.stringify(response.body).slice(0, 400)}`);
      };
      for (let start = 0; start < options.extraOrders; start += 8) {
        await Promise.all(Array.from({ length: Math.min(8, options.extraOrders - start) }, (_, index) => place(start + index)));
      }
    }
    // Let the order events settle (stock reserved, caches invalidated) before anything is measured.
    const settleDeadline = Date.now() + 60_000;
    for (;;) {
      const pending = await pendingOrders();
      const backlog = await Promise.all((['catalog', 'orders'] as const).map(async (name) => metricValue(await s.metrics(name), 'events_outbox_backlog') ?? 0));
      if (pending === pendingBefore && backlog.every((value) => value === 0)) break;
      if (Date.now() > settleDeadline) {
        const events = await Promise.all(
          (['catalog', 'orders'] as const).map(async (name) =>
            `${name}: ${(await s.metrics(name))
              .split('\n')
              .filter((line) => line.startsWith('events_') && !line.endsWith(' 0'))
              .join('; ')}`,
          ),
        );
        throw new Error(`order events did not settle within 60 s: ${pending} orders pending (${pendingBefore} before); ${events.join(' | ')}`);
      }
      await sleep(250);
    }
    await sleep(1000);
    const totalOrders = (await post(s.graphql.gateway, { query: '{ orders(first: 1) { totalCount } }' }, adminHeaders)).body.data.orders.totalCount as number;

    // ---- documents, as the apps send them -------------------------------------------------
    const { loadClientOperations } = await import('../scripts/lib/client-operations.js');
    const catalogPage = loadClientOperations('web', path.join(repositoryRoot, 'contracts')).get('CatalogPage');
    if (!catalogPage) throw new Error('contracts/web has no CatalogPage operation');
    const manifest = JSON.parse(readFileSync(path.join(repositoryRoot, 'bff-mobile', 'persisted-queries.json'), 'utf8')) as {
      operations: Array<{ id: string; name: string }>;
    };
    const home = manifest.operations.find((operation) => operation.name === 'Home');
    if (!home) throw new Error('bff-mobile/persisted-queries.json has no Home operation');
    const mobileToken = await (async () => {
      const response = await post(s.graphql['bff-mobile'], {
        query: 'mutation LogIn($email: String!, $password: String!) { logIn(email: $email, password: $password) { session { accessToken } error { code message } } }',
        operationName: 'LogIn',
        variables: { email: ada.email, password: ada.password },
      });
      const token = response.body?.data?.logIn?.session?.accessToken as string | undefined;
      if (!token) throw new Error(`mobile logIn failed: ${JSON.stringify(response.body).slice(0, 400)}`);
      return token;
    })();

    const webHeaders = { 'content-type': 'application/json', 'accept-language': 'en-US,en;q=0.9' };
    const webBody = (variables: string) => `{"query":${JSON.stringify(catalogPage.document)},"operationName":"CatalogPage","variables":${variables}}`;
    const homeUrl = (variables: string) =>
      `${s.graphql['bff-mobile']}?operationName=Home&variables=${variables}&extensions=${encodeURIComponent(
        JSON.stringify({ persistedQuery: { version: 1, sha256Hash: home.id } }),
      )}`;
    const uniqueVariables = `${encodeURIComponent('{"bench":"')}${UNIQUE}${encodeURIComponent('"}')}`;
    const mobileHeaders = { 'x-apollo-operation-name': 'Home', authorization: `Bearer ${mobileToken}`, 'accept-language': 'en' };
    const joinBody = JSON.stringify({ query: JOIN_QUERY, operationName: 'BenchOrders', variables: { first: JOIN_PAGE_SIZE } });
    const joinHeaders = { 'content-type': 'application/json', ...adminHeaders };

    // The bytes of a cached catalog page, for the ceilings.
    const first = await fetch(s.graphql['bff-web'], { method: 'POST', headers: webHeaders, body: webBody('{}') });
    const payload = Buffer.from(await first.arrayBuffer());
    if (!first.ok || payload.includes('"errors":')) throw new Error(`bff-web CatalogPage failed: ${payload.toString().slice(0, 400)}`);
    const payloadFile = path.join(tmpdir(), `storefront-bench-${process.pid}-${Date.now()}.json`);
    await writeFile(payloadFile, payload);
    cleanups.push(() => rm(payloadFile, { force: true }));

    // ---- ceilings and peers, each its own process ------------------------------------------
    const startServer = async (name: string, script: string, env: NodeJS.ProcessEnv, check: (url: string, child: Child) => Promise<void>, route: string) => {
      const port = await freePort();
      const child = spawnChild(name, [...profileArgs(name), '--import', 'tsx', script], { NODE_OPTIONS: '', BENCH_PORT: String(port), ...env }, {
        onExit: (code, signal) => {
          crashed = `${name} exited (${signal ?? code}):\n${child.tail()}`;
          progress(`CRASH: ${crashed}`);
        },
      });
      extras.push(child);
      const url = `http://127.0.0.1:${port}${route}`;
      await check(url, child);
      return { url, child };
    };
    const waitHealth = (url: string, child: Child) => waitForUrl(url.replace(/\/ceiling$/, '/health'), child.name, child, 60_000);
    const storeMode = s.redisUrl ? 'redis' : 'store';
    const peerEnv = {
      NODE_ENV: 'development',
      // What the stack's services run with (Hive Gateway reads LOG_LEVEL too, and refuses `silent`).
      LOG_LEVEL: options.stack?.logLevel ?? 'warn',
      SUBGRAPH_SECRET: s.subgraphSecret,
      BENCH_SUPERGRAPH_PATH: path.join(repositoryRoot, 'gateway', 'supergraph.graphql'),
      USERS_URL: s.graphql.users,
      CATALOG_URL: s.graphql.catalog,
      ORDERS_URL: s.graphql.orders,
    };
    const graphqlCheck = (what: string) => (url: string, child: Child) => waitForGraphQL(url, what, child);
    const skipped: SkippedArm[] = [];
    const hiveLabel = 'peer: Hive Gateway';
    let hiveReady = false;
    if (options.hive) {
      const hive = ensureHive(options.installHive, progress);
      if (hive.ok) hiveReady = true;
      else skipped.push({ id: 'peer-hive', label: hiveLabel, reason: hive.reason });
    } else {
      skipped.push({ id: 'peer-hive', label: hiveLabel, reason: 'not requested (--no-hive)' });
    }
    progress('starting ceilings and peers ...');
    const [ceilingFixed, ceilingStore, apolloPeer, hivePeer] = await Promise.all([
      startServer('ceiling-fixed', 'bench/servers/ceiling.ts', { BENCH_CEILING: 'fixed', BENCH_PAYLOAD_FILE: payloadFile }, waitHealth, '/ceiling'),
      startServer(
        `ceiling-${storeMode}`,
        'bench/servers/ceiling.ts',
        { BENCH_CEILING: storeMode, BENCH_PAYLOAD_FILE: payloadFile, REDIS_URL: s.redisUrl ?? '', BENCH_REDIS_KEY: `${s.runPrefix}ceiling` },
        waitHealth,
        '/ceiling',
      ),
      startServer('peer-apollo', 'bench/servers/apollo-gateway.ts', peerEnv, graphqlCheck('@apollo/gateway peer'), '/graphql'),
      hiveReady ? startServer('peer-hive', 'bench/peers/hive-gateway.ts', peerEnv, graphqlCheck('Hive Gateway peer'), '/graphql') : undefined,
    ]);

    const arms: Arm[] = [
      { id: 'ceiling-fixed', label: 'ceiling: node:http, fixed bytes', kind: 'ceiling', spec: { url: ceilingFixed.url, method: 'GET', headers: {}, graphql: false } },
      {
        id: 'ceiling-redis',
        label: s.redisUrl ? 'ceiling: node:http, bytes from Redis' : 'ceiling: node:http, bytes from an in-process map (no REDIS_URL)',
        kind: 'ceiling',
        spec: { url: ceilingStore.url, method: 'GET', headers: {}, graphql: false },
      },
      { id: 'web-hit', label: 'bff-web CatalogPage, cache hit', kind: 'bff-hit', spec: { url: s.graphql['bff-web'], method: 'POST', headers: webHeaders, body: webBody('{}'), graphql: true } },
      {
        id: 'web-miss',
        label: 'bff-web CatalogPage, cache miss',
        kind: 'bff-miss',
        spec: { url: s.graphql['bff-web'], method: 'POST', headers: webHeaders, body: webBody(`{"bench":"${UNIQUE}"}`), unique: UNIQUE, graphql: true },
      },
      { id: 'mobile-hit', label: 'bff-mobile home (ada, APQ GET), hit', kind: 'bff-hit', spec: { url: homeUrl('%7B%7D'), method: 'GET', headers: mobileHeaders, graphql: true } },
      {
        id: 'mobile-miss',
        label: 'bff-mobile home (ada, APQ GET), miss',
        kind: 'bff-miss',
        spec: { url: homeUrl(uniqueVariables), method: 'GET', headers: mobileHeaders, unique: UNIQUE, graphql: true },
      },
      { id: 'gateway', label: `gateway: orders⋈items⋈products⋈categories⋈buyers (${JOIN_PAGE_SIZE})`, kind: 'gateway', spec: { url: s.graphql.gateway, method: 'POST', headers: joinHeaders, body: joinBody, graphql: true } },
      { id: 'peer-apollo', label: 'peer: @apollo/gateway, defaults', kind: 'peer', spec: { url: apolloPeer.url, method: 'POST', headers: joinHeaders, body: joinBody, graphql: true } },
      ...(hivePeer
        ? [{ id: 'peer-hive', label: hiveLabel, kind: 'peer' as const, spec: { url: hivePeer.url, method: 'POST' as const, headers: joinHeaders, body: joinBody, graphql: true } }]
        : []),
    ];

    // Every arm answers correctly once before any load (the same checks the loader applies).
    for (const arm of arms) {
      const spec = arm.spec;
      const url = spec.url.split(UNIQUE).join('check');
      const response = await fetch(url, { method: spec.method, headers: spec.headers, ...(spec.body ? { body: spec.body.split(UNIQUE).join('check') } : {}) });
      const text = await response.text();
      if (!response.ok || (spec.graphql && text.includes('"errors":'))) throw new Error(`${arm.label} answered ${response.status}: ${text.slice(0, 400)}`);
    }

    const subgraphNames = ['users', 'catalog', 'orders'] as const;
    const counts = () => Promise.all(subgraphNames.map(async (name) => metricValue(await s.metrics(name), 'db_statements_total') ?? NaN));
    const signed = async (body: string): Promise<Record<string, string>> => {
      const { signSubgraphRequest } = await import('@storefront/auth');
      return signSubgraphRequest(s.subgraphSecret, { method: 'POST', body });
    };
    const { products: seedProducts } = await import('@storefront/catalog/seed-data');
    const orderIds = async (n: number): Promise<string[]> => {
      const response = await post(s.graphql.gateway, { query: `{ orders(first: ${n}) { nodes { id } } }` }, adminHeaders);
      return (response.body.data.orders.nodes as Array<{ id: string }>).map((order) => order.id);
    };
    const checked = (label: string) => (response: { status: number; body: any }) => {
      if (response.status !== 200 || response.body?.errors) throw new Error(`${label}: ${response.status} ${JSON.stringify(response.body).slice(0, 400)}`);
    };
    let missSequence = 0;
    const operations: Array<{ name: string; prepare(size: number): Promise<() => Promise<void>> }> = [
      {
        name: 'orders page (gateway, admin)',
        prepare: async (size) => async () =>
          checked('orders page')(await post(s.graphql.gateway, { query: JOIN_QUERY, operationName: 'BenchOrders', variables: { first: size } }, adminHeaders)),
      },
      {
        name: 'catalog page (bff-web CatalogPage, miss)',
        prepare: async (size) => async () =>
          checked('catalog page')(
            await post(
              s.graphql['bff-web'],
              { query: catalogPage.document, operationName: 'CatalogPage', variables: { first: size, bench: `sql-${process.pid}-${(missSequence += 1)}` } },
              { 'accept-language': 'en' },
            ),
          ),
      },
      {
        name: 'entity fan-out: Product (catalog _entities)',
        prepare: async (size) => {
          const body = JSON.stringify({
            query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { name price { amount } images { url } stockQuantity category { name } } } }',
            variables: { r: seedProducts.slice(0, size).map((product) => ({ __typename: 'Product', id: product.id })) },
          });
          return async () => {
            const response = await fetch(s.graphql.catalog, { method: 'POST', headers: { 'content-type': 'application/json', ...(await signed(body)) }, body });
            checked('Product entities')({ status: response.status, body: await response.json() });
          };
        },
      },
      {
        name: 'entity fan-out: Order (orders _entities, admin)',
        prepare: async (size) => {
          const ids = await orderIds(size);
          const body = JSON.stringify({
            query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { number total { amount } items { quantity product { id } } buyer { id } } } }',
            variables: { r: ids.map((id) => ({ __typename: 'Order', id })) },
          });
          return async () => {
            const response = await fetch(s.graphql.orders, { method: 'POST', headers: { 'content-type': 'application/json', ...adminHeaders, ...(await signed(body)) }, body });
            checked('Order entities')({ status: response.status, body: await response.json() });
          };
        },
      },
    ];

    /**
     * The fewest statements seen between two scrapes, per subgraph: the outbox relays (3
     * statements per poll, every 200 ms) and the scrape itself also send statements, and only
     * add to a figure, never take away. Tries at least `trials` times, and on until each
     * subgraph's least figure was seen twice (or 3 x `trials` tries).
     */
    async function least(trials: number, run?: () => Promise<void>): Promise<{ values: number[]; agreeing: number }> {
      const seen: number[][] = [];
      const summary = () => {
        const values = subgraphNames.map((_name, index) => Math.min(...seen.map((delta) => delta[index]!)));
        // How many tries saw the least figure, for the subgraph where it was rarest.
        const agreeing = Math.min(...values.map((value, index) => seen.filter((delta) => delta[index] === value).length));
        return { values, agreeing };
      };
      for (let trial = 0; trial < trials * 3; trial += 1) {
        const before = await counts();
        if (run) await run();
        const after = await counts();
        seen.push(after.map((value, index) => value - before[index]!));
        if (seen.length >= trials && summary().agreeing >= 2) break;
      }
      return summary();
    }

    return {
      stack: s,
      arms,
      skipped,
      payloadBytes: payload.length,
      orders: totalOrders,
      async load(arm, durationSeconds, connections) {
        if (crashed) throw new Error(`a process of the benchmark crashed: ${crashed}`);
        const result = await loader!.run({ ...arm.spec, durationSeconds, connections });
        if (crashed) throw new Error(`a process of the benchmark crashed: ${crashed}`);
        return result;
      },
      async statements(sizes, trials) {
        const idle = await least(trials);
        const rows: SqlRow[] = [];
        for (const operation of operations) {
          for (const size of sizes) {
            const run = await operation.prepare(size);
            await run(); // warm: plans, caches, connections
            const measured = await least(trials, run);
            rows.push({
              operation: operation.name,
              size,
              statements: Object.fromEntries(subgraphNames.map((name, index) => [name, measured.values[index]! - idle.values[index]!])) as SqlRow['statements'],
              agreeing: measured.agreeing,
            });
          }
        }
        return rows;
      },
      async memory() {
        const rows: MemoryRow[] = [];
        for (const name of SERVICE_NAMES) {
          const text = await s.metrics(name);
          const rss = metricValue(text, 'process_resident_memory_bytes');
          const heapUsedBytes = metricValue(text, 'nodejs_heap_size_used_bytes');
          const externalBytes = metricValue(text, 'nodejs_external_memory_bytes');
          if (rss !== undefined) {
            rows.push({
              process: name,
              rssBytes: rss,
              ...(heapUsedBytes !== undefined ? { heapUsedBytes } : {}),
              ...(externalBytes !== undefined ? { externalBytes } : {}),
              source: 'metrics',
            });
          }
        }
        for (const child of extras) {
          const rss = procRss(child.process.pid);
          if (rss !== undefined) rows.push({ process: child.name, rssBytes: rss, source: 'proc' });
        }
        return rows;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export type { ServiceName };
