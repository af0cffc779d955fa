// The benchmark harness: the stack, the ceiling and peer servers, the load generator process,
// the fixtures the arms need (tokens, enough orders for list size 100, the exact documents the
// apps send), and the measurements that are not load (SQL statements, memory). `bench/run.ts`
// drives it in rounds; `bench/harness.test.ts` runs each arm for about a second.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LoadResult, LoadSpec, MixResult, MixSpec } from './load/spec.js';
import { mixClasses, type BenchUser, type MixFixtures } from './mix.js';
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
  type Stack,
  type StackOptions,
} from './stack.js';

/**
 * `users`: each request a different signed-in user (a pool larger than the connections);
 * `engine`: the same over constant-answer subgraphs; `gateway-direct`: exactly what a BFF miss
 * sends the gateway, sent to it directly.
 */
type ArmKind = 'ceiling' | 'bff-hit' | 'bff-miss' | 'gateway' | 'peer' | 'users' | 'engine' | 'gateway-direct';

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
  /** Customers to sign up, each with an order of their own products, for the distinct-users arms and the mix (64 unless set). */
  users?: number;
  /** Start the Hive Gateway peer (when installed). */
  hive: boolean;
  /** Install Hive Gateway into bench/peers/node_modules when missing. */
  installHive: boolean;
  stack?: Pick<StackOptions, 'env' | 'serviceEnv' | 'logLevel'>;
  /** Run one process (a service, a peer or a ceiling) under `node --cpu-prof`, profiles into `dir`. */
  profile?: { process: string; dir: string };
  progress?: (message: string) => void;
}

/** One order page's join: items, their products and categories, the buyer. */
const ORDER_JOIN_FRAGMENT = /* GraphQL */ `
  fragment BenchOrder on Order {
    number
    status
    itemCount
    total {
      amount
      currency
    }
    items {
      quantity
      product {
        name
        price {
          amount
        }
        category {
          name
        }
      }
    }
    buyer {
      name
      email
    }
  }
`;

/** The query the gateway and its peers answer under load: all three subgraphs joined. */
const JOIN_QUERY = /* GraphQL */ `
  query BenchOrders($first: Int!) {
    orders(first: $first) {
      nodes {
        ...BenchOrder
      }
    }
  }
  ${ORDER_JOIN_FRAGMENT}
`;
const JOIN_PAGE_SIZE = 10;

/** The same join as a customer sees it: their own orders (`orders` at the root is for admins). */
const CUSTOMER_JOIN_QUERY = /* GraphQL */ `
  query BenchMyOrders($first: Int!) {
    me {
      orders(first: $first) {
        nodes {
          ...BenchOrder
        }
      }
    }
  }
  ${ORDER_JOIN_FRAGMENT}
`;

/** Placeholder the loader replaces with a value never sent before (cache-miss arms). */
const UNIQUE = 'BENCHUNIQUE';

const PEERS_DIR = path.join(repositoryRoot, 'bench', 'peers');
const HIVE_PACKAGE = path.join(PEERS_DIR, 'node_modules', '@graphql-hive', 'gateway', 'package.json');

function hiveInstalled(): boolean {
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
function ensureHive(
  install: boolean,
  progress: (message: string) => void = () => undefined,
): { ok: true } | { ok: false; reason: string } {
  if (!hiveInstalled()) {
    if (!install)
      return { ok: false, reason: '@graphql-hive/gateway is not installed in bench/peers (`npm run bench` installs it)' };
    progress('installing @graphql-hive/gateway into bench/peers/node_modules (once) ...');
    const lock = existsSync(path.join(PEERS_DIR, 'package-lock.json'));
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = spawnSync(npm, [lock ? 'ci' : 'install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: PEERS_DIR,
      encoding: 'utf8',
      timeout: 600_000,
    });
    if (result.status !== 0 || !hiveInstalled()) {
      return {
        ok: false,
        reason: `npm ${lock ? 'ci' : 'install'} in bench/peers failed: ${(result.stderr || result.stdout || String(result.error)).trim().slice(-600)}`,
      };
    }
  }
  const manifest = JSON.parse(readFileSync(HIVE_PACKAGE, 'utf8')) as { version: string; engines?: { node?: string } };
  if (!satisfiesNode(manifest.engines?.node)) {
    return {
      ok: false,
      reason: `@graphql-hive/gateway ${manifest.version} needs Node ${manifest.engines?.node}, this is ${process.version}`,
    };
  }
  return { ok: true };
}

export function hiveVersion(): string | undefined {
  return hiveInstalled() ? (JSON.parse(readFileSync(HIVE_PACKAGE, 'utf8')) as { version: string }).version : undefined;
}

/** A POST with JSON, answered with JSON. */
async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
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
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ __typename }"}',
      });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${what} did not answer at ${url}:\n${child.tail()}`);
}

/** Headers of a captured call that belong to its connection or to that one request. */
const PER_REQUEST_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'keep-alive',
  'transfer-encoding',
  'x-request-id',
  'traceparent',
  'tracestate',
]);

/**
 * The requests a BFF sends the gateway while `send` runs against a second instance of it,
 * whose GATEWAY_URL is a pass-through proxy in this process that records each request.
 */
async function captureGatewayCalls(
  stack: Stack,
  service: 'bff-web' | 'bff-mobile',
  send: (bffUrl: string) => Promise<Response>,
): Promise<Array<{ headers: Record<string, string>; body: string }>> {
  const calls: Array<{ headers: Record<string, string>; body: string }> = [];
  let recording = false;
  const proxy = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === 'string' && !PER_REQUEST_HEADERS.has(name)) headers[name] = value;
      }
      if (recording) calls.push({ headers, body });
      fetch(stack.graphql.gateway, { method: request.method ?? 'POST', headers, ...(request.method === 'POST' ? { body } : {}) })
        .then(async (answer) => {
          response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          response.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => response.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  try {
    const instance = await stack.startInstance(service, `${service}-capture`, {
      GATEWAY_URL: `http://127.0.0.1:${port}/graphql`,
    });
    try {
      recording = true;
      const answer = await send(instance.url);
      const text = await answer.text();
      recording = false;
      if (!answer.ok || text.includes('"errors":'))
        throw new Error(`${service} (capture) answered ${answer.status}: ${text.slice(0, 400)}`);
    } finally {
      await instance.child.stop();
    }
  } finally {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  }
  return calls;
}

/** The load generator process: one autocannon run at a time, over IPC. */
class Loader {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (result: never) => void; reject: (error: Error) => void }>();
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: { id?: number; result?: never; error?: string }) => {
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
    return this.send({ spec });
  }

  /** The open-loop mix (bench/load/open-loop.ts). */
  mix(mix: MixSpec): Promise<MixResult> {
    return this.send({ mix });
  }

  private send<T>(message: { spec: LoadSpec } | { mix: MixSpec }): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, ...message });
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
  /** The realistic mix through both BFFs at a fixed arrival rate (open loop). */
  mix(rate: number, durationSeconds: number): Promise<MixResult>;
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
    progress(
      `starting the stack (${options.databaseUrl ? 'Postgres' : 'embedded Postgres'}, ${options.redisUrl ? 'Redis' : 'no Redis: caches and events in process'}) ...`,
    );
    const profileArgs = (name: string) =>
      options.profile?.process === name ? ['--cpu-prof', `--cpu-prof-dir=${options.profile.dir}`] : [];
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
        query:
          'mutation ($email: String!, $password: String!) { logIn(email: $email, password: $password) { session { accessToken } } }',
        variables: { email, password },
      });
      const token = response.body?.data?.logIn?.session?.accessToken as string | undefined;
      if (!token) throw new Error(`could not sign in as ${email}: ${JSON.stringify(response.body).slice(0, 400)}`);
      return token;
    };
    const adminToken = await logIn(admin.email, admin.password);
    const adminHeaders = { authorization: `Bearer ${adminToken}` };

    const pendingOrders = async () =>
      (await post(s.graphql.gateway, { query: '{ orders(status: PENDING, first: 1) { totalCount } }' }, adminHeaders)).body?.data
        ?.orders?.totalCount as number | undefined;
    // The seed has pending orders of its own, which no event will ever move.
    const pendingBefore = await pendingOrders();

    // Customers, each signed up (their own session) with an order of their own products: the
    // distinct-users arms and the mix. Refreshers are customers whose refresh tokens only the mix uses.
    const userCount = options.users ?? 64;
    const runTag = s.runPrefix.replace(/[^a-z0-9]/gi, '');
    const orderable = products.filter((product) => product.stockQuantity >= 20).map((product) => product.id);
    const ownable = products.filter((product) => product.stockQuantity >= 2).map((product) => product.id);
    progress(
      `signing up ${userCount} customers (and ${Math.ceil(userCount / 4)} for token refreshes), each placing an order ...`,
    );
    const signUp = async (kind: string, index: number): Promise<BenchUser> => {
      const email = `bench-${kind}-${index}-${runTag}@example.test`;
      const password = `bench-password-${index}`;
      const response = await post(s.graphql.gateway, {
        query:
          'mutation ($input: SignUpInput!) { signUp(input: $input) { session { accessToken refreshToken } user { id } userErrors { message } } }',
        variables: { input: { email, password, name: `Bench ${kind} ${index}` } },
      });
      const payload = response.body?.data?.signUp;
      if (!payload?.session) throw new Error(`signUp failed: ${JSON.stringify(response.body).slice(0, 400)}`);
      // Two of the shop's products, different for each customer as far as the catalog goes (107 seeded products have stock for it: 53 customers).
      const items = [ownable[(index * 2) % ownable.length]!, ownable[(index * 2 + 1) % ownable.length]!].map((productId) => ({
        productId,
        quantity: 1,
      }));
      const placed = await post(
        s.graphql.gateway,
        {
          query:
            'mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { order { id } userErrors { code message } } }',
          variables: { input: { items }, key: `bench-${kind}-${index}` },
        },
        { authorization: `Bearer ${payload.session.accessToken}` },
      );
      const orderId = placed.body?.data?.placeOrder?.order?.id as string | undefined;
      if (!orderId) throw new Error(`placeOrder failed: ${JSON.stringify(placed.body).slice(0, 400)}`);
      return {
        id: payload.user.id,
        email,
        password,
        accessToken: payload.session.accessToken,
        refreshToken: payload.session.refreshToken,
        orderId,
      };
    };
    const benchUsers: BenchUser[] = [];
    const refreshers: BenchUser[] = [];
    for (let start = 0; start < userCount; start += 8) {
      benchUsers.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(8, userCount - start) }, (_, index) => signUp('customer', start + index)),
        )),
      );
    }
    for (let index = 0; index < Math.ceil(userCount / 4); index += 1) refreshers.push(await signUp('refresher', index));
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
            query:
              'mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { order { id } userErrors { code message } } }',
            variables: { input: { items }, key: `bench-${n}` },
          },
          { authorization: `Bearer ${adaToken}` },
        );
        if (!response.body?.data?.placeOrder?.order?.id)
          throw new Error(`placeOrder failed: ${JSON.stringify(response.body).slice(0, 400)}`);
      };
      for (let start = 0; start < options.extraOrders; start += 8) {
        await Promise.all(Array.from({ length: Math.min(8, options.extraOrders - start) }, (_, index) => place(start + index)));
      }
    }
    // Let the order events settle (stock reserved, caches invalidated) before anything is measured.
    const settleDeadline = Date.now() + 60_000;
    for (;;) {
      const pending = await pendingOrders();
      const backlog = await Promise.all(
        (['catalog', 'orders'] as const).map(async (name) => metricValue(await s.metrics(name), 'events_outbox_backlog') ?? 0),
      );
      if (pending === pendingBefore && backlog.every((value) => value === 0)) break;
      if (Date.now() > settleDeadline) {
        const events = await Promise.all(
          (['catalog', 'orders'] as const).map(
            async (name) =>
              `${name}: ${(await s.metrics(name))
                .split('\n')
                .filter((line) => line.startsWith('events_') && !line.endsWith(' 0'))
                .join('; ')}`,
          ),
        );
        throw new Error(
          `order events did not settle within 60 s: ${pending} orders pending (${pendingBefore} before); ${events.join(' | ')}`,
        );
      }
      await sleep(250);
    }
    await sleep(1000);
    const totalOrders = (await post(s.graphql.gateway, { query: '{ orders(first: 1) { totalCount } }' }, adminHeaders)).body.data
      .orders.totalCount as number;

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
        query:
          'mutation LogIn($email: String!, $password: String!) { logIn(email: $email, password: $password) { session { accessToken } error { code message } } }',
        operationName: 'LogIn',
        variables: { email: ada.email, password: ada.password },
      });
      const token = response.body?.data?.logIn?.session?.accessToken as string | undefined;
      if (!token) throw new Error(`mobile logIn failed: ${JSON.stringify(response.body).slice(0, 400)}`);
      return token;
    })();

    const webHeaders = { 'content-type': 'application/json', 'accept-language': 'en-US,en;q=0.9' };
    const webBody = (variables: string) =>
      `{"query":${JSON.stringify(catalogPage.document)},"operationName":"CatalogPage","variables":${variables}}`;
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
    if (!first.ok || payload.includes('"errors":'))
      throw new Error(`bff-web CatalogPage failed: ${payload.toString().slice(0, 400)}`);
    const payloadFile = path.join(tmpdir(), `storefront-bench-${process.pid}-${Date.now()}.json`);
    await writeFile(payloadFile, payload);
    cleanups.push(() => rm(payloadFile, { force: true }));

    // ---- ceilings and peers, each its own process ------------------------------------------
    const startServer = async (
      name: string,
      script: string,
      env: NodeJS.ProcessEnv,
      check: (url: string, child: Child) => Promise<void>,
      route: string,
    ) => {
      const port = await freePort();
      const child = spawnChild(
        name,
        [...profileArgs(name), '--import', 'tsx', script],
        { NODE_OPTIONS: '', BENCH_PORT: String(port), ...env },
        {
          onExit: (code, signal) => {
            crashed = `${name} exited (${signal ?? code}):\n${child.tail()}`;
            progress(`CRASH: ${crashed}`);
          },
        },
      );
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
      startServer(
        'ceiling-fixed',
        'bench/servers/ceiling.ts',
        { BENCH_CEILING: 'fixed', BENCH_PAYLOAD_FILE: payloadFile },
        waitHealth,
        '/ceiling',
      ),
      startServer(
        `ceiling-${storeMode}`,
        'bench/servers/ceiling.ts',
        {
          BENCH_CEILING: storeMode,
          BENCH_PAYLOAD_FILE: payloadFile,
          REDIS_URL: s.redisUrl ?? '',
          BENCH_REDIS_KEY: `${s.runPrefix}ceiling`,
        },
        waitHealth,
        '/ceiling',
      ),
      startServer('peer-apollo', 'bench/servers/apollo-gateway.ts', peerEnv, graphqlCheck('@apollo/gateway peer'), '/graphql'),
      hiveReady
        ? startServer('peer-hive', 'bench/peers/hive-gateway.ts', peerEnv, graphqlCheck('Hive Gateway peer'), '/graphql')
        : undefined,
    ]);

    const arms: Arm[] = [
      {
        id: 'ceiling-fixed',
        label: 'ceiling: node:http, fixed bytes',
        kind: 'ceiling',
        spec: { url: ceilingFixed.url, method: 'GET', headers: {}, graphql: false },
      },
      {
        id: 'ceiling-redis',
        label: s.redisUrl
          ? 'ceiling: node:http, bytes from Redis'
          : 'ceiling: node:http, bytes from an in-process map (no REDIS_URL)',
        kind: 'ceiling',
        spec: { url: ceilingStore.url, method: 'GET', headers: {}, graphql: false },
      },
      {
        id: 'web-hit',
        label: 'bff-web CatalogPage, cache hit',
        kind: 'bff-hit',
        spec: { url: s.graphql['bff-web'], method: 'POST', headers: webHeaders, body: webBody('{}'), graphql: true },
      },
      {
        id: 'web-miss',
        label: 'bff-web CatalogPage, cache miss',
        kind: 'bff-miss',
        spec: {
          url: s.graphql['bff-web'],
          method: 'POST',
          headers: webHeaders,
          body: webBody(`{"bench":"${UNIQUE}"}`),
          unique: UNIQUE,
          graphql: true,
        },
      },
      {
        id: 'mobile-hit',
        label: 'bff-mobile home (ada, APQ GET), hit',
        kind: 'bff-hit',
        spec: { url: homeUrl('%7B%7D'), method: 'GET', headers: mobileHeaders, graphql: true },
      },
      {
        id: 'mobile-miss',
        label: 'bff-mobile home (ada, APQ GET), miss',
        kind: 'bff-miss',
        spec: { url: homeUrl(uniqueVariables), method: 'GET', headers: mobileHeaders, unique: UNIQUE, graphql: true },
      },
      {
        id: 'gateway',
        label: `gateway: orders⋈items⋈products⋈categories⋈buyers (${JOIN_PAGE_SIZE})`,
        kind: 'gateway',
        spec: { url: s.graphql.gateway, method: 'POST', headers: joinHeaders, body: joinBody, graphql: true },
      },
      {
        id: 'peer-apollo',
        label: 'peer: @apollo/gateway, defaults',
        kind: 'peer',
        spec: { url: apolloPeer.url, method: 'POST', headers: joinHeaders, body: joinBody, graphql: true },
      },
      ...(hivePeer
        ? [
            {
              id: 'peer-hive',
              label: hiveLabel,
              kind: 'peer' as const,
              spec: { url: hivePeer.url, method: 'POST' as const, headers: joinHeaders, body: joinBody, graphql: true },
            },
          ]
        : []),
    ];

    // ---- distinct users, the gateway engine alone, BFF overhead --------------------------
    // Every request of these arms is a different customer (more customers than connections):
    // merging keyed on the caller's token cannot apply, as with real traffic.
    const callers = { header: 'authorization', values: benchUsers.map((user) => `Bearer ${user.accessToken}`) };
    const customerJoinBody = JSON.stringify({
      query: CUSTOMER_JOIN_QUERY,
      operationName: 'BenchMyOrders',
      variables: { first: JOIN_PAGE_SIZE },
    });
    const asCustomers = (url: string): Arm['spec'] => ({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: customerJoinBody,
      rotate: callers,
      graphql: true,
    });
    progress(
      'starting constant-answer subgraphs, a gateway and a Hive Gateway without merging, and the three gateways over the constant subgraphs ...',
    );
    const constant = await startServer(
      'constant-subgraphs',
      'bench/servers/constant-subgraphs.ts',
      {
        BENCH_USERS_URL: s.graphql.users,
        BENCH_CATALOG_URL: s.graphql.catalog,
        BENCH_ORDERS_URL: s.graphql.orders,
        BENCH_RECORD_AUTHORIZATION: `Bearer ${benchUsers[0]!.accessToken}`,
      },
      (url, child) => waitForUrl(`${url}/health`, child.name, child, 60_000),
      '',
    );
    const constantUrls = {
      USERS_URL: `${constant.url}/users/graphql`,
      CATALOG_URL: `${constant.url}/catalog/graphql`,
      ORDERS_URL: `${constant.url}/orders/graphql`,
    };
    const [gatewayUnmerged, gatewayEngine, apolloEngine, hiveUnmerged, hiveEngine] = await Promise.all([
      s.startInstance('gateway', 'gateway-nodedup', { SUBGRAPH_DEDUPLICATE_INFLIGHT: 'false' }, profileArgs('gateway-nodedup')),
      s.startInstance('gateway', 'gateway-engine', constantUrls, profileArgs('gateway-engine')),
      startServer(
        'peer-apollo-engine',
        'bench/servers/apollo-gateway.ts',
        { ...peerEnv, ...constantUrls },
        graphqlCheck('@apollo/gateway over constant subgraphs'),
        '/graphql',
      ),
      hiveReady
        ? startServer(
            'peer-hive-nodedup',
            'bench/peers/hive-gateway.ts',
            { ...peerEnv, BENCH_HIVE_DEDUPLICATE: 'false' },
            graphqlCheck('Hive Gateway without merging'),
            '/graphql',
          )
        : undefined,
      hiveReady
        ? startServer(
            'peer-hive-engine',
            'bench/peers/hive-gateway.ts',
            { ...peerEnv, ...constantUrls },
            graphqlCheck('Hive Gateway over constant subgraphs'),
            '/graphql',
          )
        : undefined,
    ]);
    const hiveArm = (id: string, label: string, kind: ArmKind, peer: { url: string } | undefined): Arm[] => {
      if (peer) return [{ id, label, kind, spec: asCustomers(peer.url) }];
      skipped.push({ id, label, reason: skipped.find((arm) => arm.id === 'peer-hive')?.reason ?? 'Hive Gateway not started' });
      return [];
    };
    arms.push(
      {
        id: 'users-gateway',
        label: `distinct users (${benchUsers.length}): gateway, merging on (default)`,
        kind: 'users',
        spec: asCustomers(s.graphql.gateway),
      },
      {
        id: 'users-gateway-nodedup',
        label: 'distinct users: gateway, merging off',
        kind: 'users',
        spec: asCustomers(gatewayUnmerged.url),
      },
      {
        id: 'users-apollo',
        label: 'distinct users: @apollo/gateway, defaults',
        kind: 'users',
        spec: asCustomers(apolloPeer.url),
      },
      ...hiveArm('users-hive', 'distinct users: Hive Gateway, merging on (default)', 'users', hivePeer),
      ...hiveArm('users-hive-nodedup', 'distinct users: Hive Gateway, merging off', 'users', hiveUnmerged),
      {
        id: 'engine-gateway',
        label: 'engine alone (constant subgraphs), distinct users: gateway',
        kind: 'engine',
        spec: asCustomers(gatewayEngine.url),
      },
      { id: 'engine-apollo', label: 'engine alone: @apollo/gateway', kind: 'engine', spec: asCustomers(apolloEngine.url) },
      ...hiveArm('engine-hive', 'engine alone: Hive Gateway', 'engine', hiveEngine),
    );

    // What a BFF miss sends the gateway, captured through a pass-through proxy in front of a
    // second instance of that BFF, then sent to the gateway directly by the gateway-direct arms.
    progress('capturing what a bff-web and a bff-mobile miss send the gateway ...');
    for (const [id, service, missArm] of [
      ['web-miss-direct', 'bff-web', 'web-miss'],
      ['mobile-miss-direct', 'bff-mobile', 'mobile-miss'],
    ] as const) {
      const miss = arms.find((arm) => arm.id === missArm)!.spec;
      const calls = await captureGatewayCalls(s, service, (url) => {
        const target = miss.url.replace(s.graphql[service], url).split(UNIQUE).join(`capture-${Date.now()}`);
        return fetch(target, {
          method: miss.method,
          headers: miss.headers,
          ...(miss.body ? { body: miss.body.split(UNIQUE).join(`capture-${Date.now()}`) } : {}),
        });
      });
      if (calls.length !== 1)
        throw new Error(
          `a ${service} miss sent the gateway ${calls.length} requests, the ${id} arm expects one: ${JSON.stringify(calls).slice(0, 600)}`,
        );
      const [call] = calls;
      arms.push({
        id,
        label: `gateway direct: the request a ${service} miss sends it`,
        kind: 'gateway-direct',
        spec: { url: s.graphql.gateway, method: 'POST', headers: call!.headers, body: call!.body, graphql: true },
      });
    }

    // Every arm answers correctly once before any load (the same checks the loader applies).
    for (const arm of arms) {
      const spec = arm.spec;
      const url = spec.url.split(UNIQUE).join('check');
      const headers = spec.rotate ? { ...spec.headers, [spec.rotate.header]: spec.rotate.values[0]! } : spec.headers;
      const response = await fetch(url, {
        method: spec.method,
        headers,
        ...(spec.body ? { body: spec.body.split(UNIQUE).join('check') } : {}),
      });
      const text = await response.text();
      if (!response.ok || (spec.graphql && text.includes('"errors":')))
        throw new Error(`${arm.label} answered ${response.status}: ${text.slice(0, 400)}`);
    }
    // A distinct-users arm answers each customer with their own orders, and nobody else's.
    for (const arm of arms.filter((candidate) => candidate.kind === 'users')) {
      for (const user of [benchUsers[0]!, benchUsers.at(-1)!]) {
        const response = await post(arm.spec.url, JSON.parse(arm.spec.body!), { authorization: `Bearer ${user.accessToken}` });
        const nodes = response.body?.data?.me?.orders?.nodes as Array<{ buyer: { email: string } }> | undefined;
        if (!nodes?.length || nodes.some((node) => node.buyer.email !== user.email)) {
          throw new Error(
            `${arm.label} did not answer ${user.email} with their own orders: ${JSON.stringify(response.body).slice(0, 400)}`,
          );
        }
      }
    }

    const webOperations = loadClientOperations('web', path.join(repositoryRoot, 'contracts'));
    const webDocument = (name: string) => {
      const operation = webOperations.get(name);
      if (!operation) throw new Error(`contracts/web has no ${name} operation`);
      return operation.document;
    };
    const mobileHash = (name: string) => {
      const operation = manifest.operations.find((candidate) => candidate.name === name);
      if (!operation) throw new Error(`bff-mobile/persisted-queries.json has no ${name} operation`);
      return operation.id;
    };
    const { categories: seedCategories } = await import('@storefront/catalog/seed-data');
    const mixFixtures: MixFixtures = {
      webUrl: s.graphql['bff-web'],
      mobileUrl: s.graphql['bff-mobile'],
      webDocuments: {
        ProductPage: webDocument('ProductPage'),
        CatalogPage: catalogPage.document,
        Viewer: webDocument('Viewer'),
        OrderDetail: webDocument('OrderDetail'),
        PlaceOrder: webDocument('PlaceOrder'),
      },
      mobileHashes: {
        Home: home.id,
        ProductDetail: mobileHash('ProductDetail'),
        LogIn: mobileHash('LogIn'),
        RefreshSession: mobileHash('RefreshSession'),
      },
      products: products.map((product) => ({ id: product.id, slug: product.slug })),
      categories: seedCategories.map((category) => category.slug),
      orderable,
      users: benchUsers,
      refreshers,
    };

    const subgraphNames = ['users', 'catalog', 'orders'] as const;
    const counts = () =>
      Promise.all(subgraphNames.map(async (name) => metricValue(await s.metrics(name), 'db_statements_total') ?? NaN));
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
      if (response.status !== 200 || response.body?.errors)
        throw new Error(`${label}: ${response.status} ${JSON.stringify(response.body).slice(0, 400)}`);
    };
    let missSequence = 0;
    const operations: Array<{ name: string; prepare(size: number): Promise<() => Promise<void>> }> = [
      {
        name: 'orders page (gateway, admin)',
        prepare: async (size) => async () =>
          checked('orders page')(
            await post(
              s.graphql.gateway,
              { query: JOIN_QUERY, operationName: 'BenchOrders', variables: { first: size } },
              adminHeaders,
            ),
          ),
      },
      {
        name: 'catalog page (bff-web CatalogPage, miss)',
        prepare: async (size) => async () =>
          checked('catalog page')(
            await post(
              s.graphql['bff-web'],
              {
                query: catalogPage.document,
                operationName: 'CatalogPage',
                variables: { first: size, bench: `sql-${process.pid}-${(missSequence += 1)}` },
              },
              { 'accept-language': 'en' },
            ),
          ),
      },
      {
        name: 'entity fan-out: Product (catalog _entities)',
        prepare: async (size) => {
          const body = JSON.stringify({
            query:
              'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { name price { amount } images { url } stockQuantity category { name } } } }',
            variables: { r: seedProducts.slice(0, size).map((product) => ({ __typename: 'Product', id: product.id })) },
          });
          return async () => {
            const response = await fetch(s.graphql.catalog, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...(await signed(body)) },
              body,
            });
            checked('Product entities')({ status: response.status, body: await response.json() });
          };
        },
      },
      {
        name: 'entity fan-out: Order (orders _entities, admin)',
        prepare: async (size) => {
          const ids = await orderIds(size);
          const body = JSON.stringify({
            query:
              'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { number total { amount } items { quantity product { id } } buyer { id } } } }',
            variables: { r: ids.map((id) => ({ __typename: 'Order', id })) },
          });
          return async () => {
            const response = await fetch(s.graphql.orders, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...adminHeaders, ...(await signed(body)) },
              body,
            });
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
      async mix(rate, durationSeconds) {
        if (crashed) throw new Error(`a process of the benchmark crashed: ${crashed}`);
        const result = await loader!.mix({ rate, durationSeconds, classes: mixClasses(mixFixtures) });
        // Each refresh token works once: the next run goes on from the ones just issued.
        result.chains['mobile token refresh']?.forEach((token, index) => (refreshers[index]!.refreshToken = token));
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
              statements: Object.fromEntries(
                subgraphNames.map((name, index) => [name, measured.values[index]! - idle.values[index]!]),
              ) as SqlRow['statements'],
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
