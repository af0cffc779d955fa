import { createCatalogServer } from '@storefront/catalog/server';
import { orderEvents } from '@storefront/orders-events';
import { catalogEvents } from '@storefront/catalog-events';
import { loadCatalogConfig } from '@storefront/catalog/config';
import { seedCatalogIfEmpty } from '@storefront/catalog/seed';
import { createGatewayServer } from '@storefront/gateway/server';
import { loadGatewayConfig } from '@storefront/gateway/config';
import { createOrdersServer } from '@storefront/orders/server';
import { loadOrdersConfig } from '@storefront/orders/config';
import { seedOrdersIfEmpty } from '@storefront/orders/seed';
import type { RunningServer } from '@storefront/http-server';
import { RedisCacheStore } from '@storefront/bff';
import { createWebServer } from '@storefront/bff-web/server';
import { loadWebConfig } from '@storefront/bff-web/config';
import { createMobileServer } from '@storefront/bff-mobile/server';
import { loadMobileConfig } from '@storefront/bff-mobile/config';
import {
  answering,
  createTestDatabase,
  deleteTestKeys,
  testRedis,
  testSubgraphSecret,
  type TestDatabase,
} from '@storefront/testing';
import type { RedisConnection } from '@storefront/redis';
import type { Logger } from '@storefront/http-server';
import { randomBytes } from 'node:crypto';
import { RedisStreamsBus, type DeadLetter } from '@storefront/events';
import { createUsersServer } from '@storefront/users/server';
import { loadUsersConfig } from '@storefront/users/config';
import { seedUsersIfEmpty } from '@storefront/users/seed';

/**
 * What every service of a test stack reads, whatever the machine's environment says: one
 * SUBGRAPH_SECRET for the gateway, the subgraphs and orders' calls to catalog.
 */
const baseEnv = { NODE_ENV: 'test', LOG_LEVEL: 'silent', SUBGRAPH_SECRET: testSubgraphSecret } as const;

/** Rate limits far above what any test sends, unless a test sets its own (webEnv, ...). */
const roomyLimits = {
  RATE_LIMIT_PER_USER: '100000',
  RATE_LIMIT_PER_IP: '100000',
  LOGIN_ATTEMPTS_PER_ACCOUNT: '10000',
  LOGIN_ATTEMPTS_PER_IP: '10000',
} as const;

type SubgraphName = 'users' | 'catalog' | 'orders';

interface StartedService {
  running: RunningServer;
  stop(): Promise<void>;
}

export interface StackSubgraph extends StartedService {
  database: TestDatabase;
  /** SQL statements this subgraph has sent so far. */
  statements(): Promise<number>;
}

export interface Stack {
  gatewayUrl: string;
  /** The web BFF, when started with `{ web: true }`. */
  webUrl: string;
  /** Web BFF metrics: gateway calls and cache lookups. */
  webMetrics(): Promise<string>;
  /** The mobile BFF, when started with `{ mobile: true }`. */
  mobileUrl: string;
  /** Mobile BFF metrics: gateway calls and cache lookups. */
  mobileMetrics(): Promise<string>;
  /** Another web BFF instance on this stack's gateway, Redis and bus (a replica), with more environment; stopped with the stack. */
  startWeb(env?: Record<string, string>): Promise<BffInstance>;
  /** Another mobile BFF instance, likewise. */
  startMobile(env?: Record<string, string>): Promise<BffInstance>;
  /** The Redis key prefix of this stack's BFFs (both share it, as deployed BFFs share Redis). */
  redisPrefix: string;
  /** Dead-lettered events of both streams (with `{ events: true }`). */
  deadLetters(): Promise<DeadLetter[]>;
  subgraphs: Record<SubgraphName, StackSubgraph>;
  /** Stops a subgraph, as a crash or a deploy would. */
  stopSubgraph(name: SubgraphName): Promise<void>;
  stop(): Promise<void>;
}

export interface BffInstance {
  url: string;
  metrics(): Promise<string>;
  /** Stops it as SIGTERM does: live connections closed first, then the listener. */
  stop(): Promise<void>;
}

export interface StackOptions {
  /** The Redis of the BFFs and the event streams: the test server unless a test brings its own (e.g. a cluster). */
  redis?: RedisConnection;
  /**
   * Run the order-event flow on the real Redis (streams under this stack's own prefix):
   * outbox relays, the catalog and orders consumers, and the BFFs' cache invalidation.
   */
  events?: boolean;
  /** How often the outbox relays publish (default 50 ms): longer lets a test see an order while it is still PENDING. */
  relayIntervalMs?: number;
  /** Also start the web BFF in front of the gateway, caching in the real Redis. */
  web?: boolean;
  /** Also start the mobile BFF in front of the gateway, caching in the real Redis (same prefix as web). */
  mobile?: boolean;
  /** Supergraph file the gateway serves (default: the committed one). */
  supergraphPath?: string;
  /** Gateway timeout per subgraph call. */
  subgraphTimeoutMs?: number;
  /**
   * Environment for every service of the stack, over the test defaults: e.g. one
   * production-strength JWT_SECRET and SUBGRAPH_SECRET, so production-mode servers built by a
   * test can sit in front of this stack.
   */
  env?: Record<string, string>;
  /** More users subgraph environment (e.g. small sign-in limits: `LOGIN_ATTEMPTS_PER_ACCOUNT`). */
  usersEnv?: Record<string, string>;
  /** More gateway environment (e.g. short breaker windows: `SUBGRAPH_BREAKER_RESET_MS`). */
  gatewayEnv?: Record<string, string>;
  /** More web BFF environment (e.g. small rate limits: `RATE_LIMIT_PER_IP`). */
  webEnv?: Record<string, string>;
  /** More mobile BFF environment. */
  mobileEnv?: Record<string, string>;
  /** The logger of each service (default: silent), e.g. to capture its JSON lines. */
  logger?: (service: 'users' | 'catalog' | 'orders' | 'gateway' | 'bff-web' | 'bff-mobile') => Logger;
  /** The URL the gateway uses for a subgraph, given where it listens (e.g. a proxy in front of it). */
  gatewayUrlFor?: (name: SubgraphName, url: string) => string | Promise<string>;
  /** Orders calls catalog at the gateway's catalog URL (`gatewayUrlFor`), so an outage there is one for orders too. */
  ordersCallCatalogAsGateway?: boolean;
  /** More orders environment (e.g. a short `CATALOG_TIMEOUT_MS`). */
  ordersEnv?: Record<string, string>;
}

/** The variables that point a service at `redis`. */
export function redisEnv(redis: RedisConnection): Record<string, string> {
  return redis.kind === 'standalone'
    ? { REDIS_URL: redis.url }
    : { REDIS_CLUSTER_NODES: redis.nodes.map((node) => `${node.host}:${node.port}`).join(',') };
}

async function counterValue(counter: { get(): Promise<{ values: Array<{ value: number }> }> }): Promise<number> {
  return (await counter.get()).values[0]?.value ?? 0;
}

/**
 * The whole federated stack for one test file: three subgraphs on fresh, seeded databases
 * of the real Postgres, and the gateway serving the committed supergraph with the subgraph
 * URLs overridden to where this stack listens. Everything runs in process on free ports.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const [usersDb, catalogDb, ordersDb] = await Promise.all([
    createTestDatabase('users'),
    createTestDatabase('catalog'),
    createTestDatabase('orders'),
  ]);

  // Streams and cache keys of their own per stack, so test files sharing Redis never meet.
  const redisPrefix = `sf:test:${randomBytes(4).toString('hex')}:`;
  const redis = options.redis ?? testRedis;
  const bus = options.events ? new RedisStreamsBus(redis) : undefined;
  // Short retry delays: a test waits for redelivery instead of a production-sized pause.
  const events = bus
    ? { bus, streamPrefix: redisPrefix, relayIntervalMs: options.relayIntervalMs ?? 50, retryAfterMs: 500 }
    : undefined;

  // The test defaults, then what the test asks every service to read (e.g. shared production-strength secrets).
  const serviceEnv = { ...baseEnv, ...options.env };
  const loggerFor = (service: Parameters<NonNullable<StackOptions['logger']>>[0]) =>
    options.logger ? { logger: options.logger(service) } : {};
  // Rate-limit counters under this stack's prefix (deleted on stop); roomy unless a test says otherwise.
  const limitEnv = {
    ...roomyLimits,
    RATE_LIMIT_KEY_PREFIX: `${redisPrefix}rl:`,
    SESSION_REVOCATION_KEY_PREFIX: `${redisPrefix}session:revoked:`,
    SUBGRAPH_NONCE_KEY_PREFIX: `${redisPrefix}nonce:`,
  };

  const users = createUsersServer({
    config: loadUsersConfig({ ...serviceEnv, ...limitEnv, SCRYPT_COST: '1024', ...redisEnv(redis), ...options.usersEnv }),
    databaseUrl: usersDb.url,
    ...loggerFor('users'),
  });
  await seedUsersIfEmpty(users.prisma, 1024);
  const catalog = createCatalogServer({
    config: loadCatalogConfig(serviceEnv),
    databaseUrl: catalogDb.url,
    ...(events ? { events } : {}),
    ...loggerFor('catalog'),
  });
  await seedCatalogIfEmpty(catalog.prisma);
  const [usersRunning, catalogRunning] = await Promise.all([users.listen(0, '127.0.0.1'), catalog.listen(0, '127.0.0.1')]);

  const route = options.gatewayUrlFor ?? ((_name: SubgraphName, url: string) => url);
  const catalogUrl = await route('catalog', catalogRunning.url);
  const orders = createOrdersServer({
    config: loadOrdersConfig({
      ...serviceEnv,
      CATALOG_URL: options.ordersCallCatalogAsGateway ? catalogUrl : catalogRunning.url,
      ...options.ordersEnv,
    }),
    databaseUrl: ordersDb.url,
    ...(events ? { events } : {}),
    ...loggerFor('orders'),
  });
  await seedOrdersIfEmpty(orders.prisma, orders.streams.orders);
  const ordersRunning = await orders.listen(0, '127.0.0.1');

  const urls = {
    users: await route('users', usersRunning.url),
    catalog: catalogUrl,
    orders: await route('orders', ordersRunning.url),
  };
  const gateway = createGatewayServer({
    config: loadGatewayConfig({
      ...serviceEnv,
      ...limitEnv,
      // The BFFs in front of it (this host) name their clients' addresses in X-Forwarded-For.
      TRUST_PROXY: 'loopback',
      // Rate-limit counters and the users service's ended sessions.
      ...redisEnv(redis),
      USERS_URL: urls.users,
      CATALOG_URL: urls.catalog,
      ORDERS_URL: urls.orders,
      ...(options.subgraphTimeoutMs ? { SUBGRAPH_TIMEOUT_MS: String(options.subgraphTimeoutMs) } : {}),
      ...(options.supergraphPath ? { SUPERGRAPH_PATH: options.supergraphPath } : {}),
      ...options.gatewayEnv,
    }),
    ...loggerFor('gateway'),
  });
  const gatewayRunning = await gateway.listen(0, '127.0.0.1');

  // Every instance of a BFF on the same Redis prefix and bus, as replicas behind a load balancer are.
  const bffEvents = events ? { events: { bus: events.bus, streamPrefix: redisPrefix, retryAfterMs: 500 } } : {};
  const newWeb = (env: Record<string, string> = {}) =>
    createWebServer({
      config: loadWebConfig({
        ...serviceEnv,
        ...limitEnv,
        GATEWAY_URL: gatewayRunning.url,
        ...redisEnv(redis),
        ...options.webEnv,
        ...env,
      }),
      store: new RedisCacheStore(redis, redisPrefix),
      ...loggerFor('bff-web'),
      ...bffEvents,
    });
  const newMobile = (env: Record<string, string> = {}) =>
    createMobileServer({
      config: loadMobileConfig({
        ...serviceEnv,
        ...limitEnv,
        GATEWAY_URL: gatewayRunning.url,
        ...redisEnv(redis),
        ...options.mobileEnv,
        ...env,
      }),
      store: new RedisCacheStore(redis, redisPrefix),
      ...loggerFor('bff-mobile'),
      ...bffEvents,
    });
  const extraInstances = new Set<{ stop(): Promise<void> }>();
  const startInstance = async (server: ReturnType<typeof newWeb> | ReturnType<typeof newMobile>) => {
    const running = await server.listen(0, '127.0.0.1');
    // Caches refuse commands until connected (at once on a server, once it has the slot map on a cluster).
    await answering(() => server.store.ping());
    const instance = {
      url: running.url,
      metrics: () => server.metrics.registry.metrics(),
      stop: () => (extraInstances.delete(instance), server.stop()),
    };
    extraInstances.add(instance);
    return instance;
  };
  const web = options.web ? newWeb() : undefined;
  const webRunning = web ? await web.listen(0, '127.0.0.1') : undefined;
  if (web) await answering(() => web.store.ping());
  const mobile = options.mobile ? newMobile() : undefined;
  const mobileRunning = mobile ? await mobile.listen(0, '127.0.0.1') : undefined;
  if (mobile) await answering(() => mobile.store.ping());

  const stopped = new Set<SubgraphName>();
  const subgraph = (
    name: SubgraphName,
    server: { stop(): Promise<void>; metrics: { sqlStatements: Parameters<typeof counterValue>[0] } },
    running: RunningServer,
    database: TestDatabase,
  ): StackSubgraph => ({
    running,
    database,
    statements: () => counterValue(server.metrics.sqlStatements),
    stop: async () => {
      if (stopped.has(name)) return;
      stopped.add(name);
      await server.stop();
    },
  });
  const subgraphs = {
    users: subgraph('users', users, usersRunning, usersDb),
    catalog: subgraph('catalog', catalog, catalogRunning, catalogDb),
    orders: subgraph('orders', orders, ordersRunning, ordersDb),
  };

  return {
    gatewayUrl: gatewayRunning.url,
    webUrl: webRunning?.url ?? '',
    webMetrics: async () => (web ? web.metrics.registry.metrics() : ''),
    mobileUrl: mobileRunning?.url ?? '',
    mobileMetrics: async () => (mobile ? mobile.metrics.registry.metrics() : ''),
    startWeb: (env) => startInstance(newWeb(env)),
    startMobile: (env) => startInstance(newMobile(env)),
    redisPrefix,
    deadLetters: async () => {
      if (!bus) return [];
      const streams = { orders: orderEvents.stream(redisPrefix), catalog: catalogEvents.stream(redisPrefix) };
      return [...(await bus.deadLetters(streams.orders)), ...(await bus.deadLetters(streams.catalog))];
    },
    subgraphs,
    stopSubgraph: (name) => subgraphs[name].stop(),
    async stop() {
      await Promise.all([...extraInstances].map((instance) => instance.stop()));
      await web?.stop();
      await mobile?.stop();
      await gateway.stop();
      await Promise.all(Object.values(subgraphs).map((entry) => entry.stop()));
      await bus?.close();
      await deleteTestKeys(redis, redisPrefix);
      await Promise.all([usersDb.drop(), catalogDb.drop(), ordersDb.drop()]);
    },
  };
}
