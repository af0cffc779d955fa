import { randomBytes } from 'node:crypto';
import { orderEvents } from '@storefront/orders-events';
import { catalogEvents } from '@storefront/catalog-events';
import { Redis } from 'ioredis';
import { RedisStreamsBus, type DeadLetter } from '@storefront/events';
import { createTestDatabase, testRedisUrl, type TestDatabase } from '@storefront/testing';
import { DATABASE_DOMAINS as DOMAINS, SERVICE_NAMES, type ServiceName, type SubgraphName as Domain } from '@storefront/stack';
import { startHaproxy, type Haproxy } from './haproxy.js';
import { listenPort } from './listen-port.js';
import { seedDatabases } from './seed.js';
import { buildServices, ServiceProcess, type Exit } from './service-process.js';

/** Where HAProxy connects to the services from: the only address the services trust to name the client. */
export const BALANCER_ADDRESS = '127.0.0.3';

export interface ReplicatedStackOptions {
  /** Instances of every service. */
  replicas: number;
  /** How long a stopping service stays up, unready, for HAProxy to take it out (SHUTDOWN_DRAIN_MS). */
  drainMs: number;
  /**
   * The Redis logical database of this stack. The BFFs keep their response caches under a
   * fixed key prefix, so a stack that must not meet another's cache entries (a benchmark
   * running at the same time on the same server) gets a database of its own.
   */
  redisDatabase: number;
  /** More environment for every instance of a service (e.g. small rate limits). */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
}

export interface ReplicatedStack {
  /** `http://127.0.0.1:<port>/graphql` of each service's frontend on the load balancer. */
  balanced: Record<ServiceName, string>;
  instances: Record<ServiceName, ServiceProcess[]>;
  haproxy: Haproxy;
  databases: Record<Domain, TestDatabase>;
  /** The Redis of this stack (its own logical database) and the prefix of its streams and counters. */
  redisUrl: string;
  prefix: string;
  /**
   * Stops one instance with SIGTERM as a rolling deploy does and starts it again; resolves once
   * HAProxy routes to it again, with how it exited and whether it was still serving when
   * HAProxy took it out of rotation (it must drain: unready first, closed later).
   */
  restart(instance: ServiceProcess): Promise<{ exit: Exit; servingWhenTakenOut: boolean }>;
  /** Dead-lettered events of both streams. */
  deadLetters(): Promise<DeadLetter[]>;
  /** The last lines of these services' instances and of HAProxy, for failure messages. */
  logs(...services: ServiceName[]): string;
  stop(): Promise<void>;
}

/** Every service's environment for this stack: shared secrets, Redis, fresh databases and roomy limits. */
function baseEnv(
  secrets: { jwt: string; subgraph: string },
  redisUrl: string,
  prefix: string,
  drainMs: number,
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    JWT_SECRET: secrets.jwt,
    SUBGRAPH_SECRET: secrets.subgraph,
    REDIS_URL: redisUrl,
    EVENT_STREAM_PREFIX: prefix,
    RATE_LIMIT_KEY_PREFIX: `${prefix}rl:`,
    RATE_LIMIT_PER_USER: '100000',
    RATE_LIMIT_PER_IP: '100000',
    LOGIN_ATTEMPTS_PER_ACCOUNT: '10000',
    LOGIN_ATTEMPTS_PER_IP: '10000',
    SHUTDOWN_DRAIN_MS: String(drainMs),
    // Patient calls between tiers: this stack checks what replicas do, not how fast a busy machine answers.
    GATEWAY_TIMEOUT_MS: '30000',
    SUBGRAPH_TIMEOUT_MS: '20000',
    CATALOG_TIMEOUT_MS: '20000',
    // Nothing of the shell's environment may point a service elsewhere.
    DATABASE_URL: '',
    DATABASE_NAME_PREFIX: '',
    NODE_OPTIONS: '',
  };
}

async function deleteKeys(redisUrl: string, patterns: readonly string[]): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    for (const pattern of patterns) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

/**
 * The whole stack with `replicas` instances of every service, each its own compiled process,
 * behind one HAProxy: clients reach the BFFs through it, the BFFs reach the gateway through
 * it, the gateway and orders reach the subgraphs through it. Real Postgres (fresh databases)
 * and Redis; the events flow through Redis Streams.
 */
export async function startReplicatedStack(options: ReplicatedStackOptions): Promise<ReplicatedStack> {
  buildServices();
  const prefix = `sf:replicas:${randomBytes(4).toString('hex')}:`;
  const redis = new URL(testRedisUrl);
  redis.pathname = `/${options.redisDatabase}`;
  const redisUrl = redis.toString();
  const secrets = { jwt: randomBytes(32).toString('base64url'), subgraph: randomBytes(32).toString('base64url') };

  const databases = Object.fromEntries(
    await Promise.all(DOMAINS.map(async (domain) => [domain, await createTestDatabase(domain)] as const)),
  ) as Record<Domain, TestDatabase>;
  const ports = Object.fromEntries(
    await Promise.all(
      SERVICE_NAMES.map(
        async (service) => [service, await Promise.all(Array.from({ length: options.replicas }, () => listenPort()))] as const,
      ),
    ),
  ) as Record<ServiceName, number[]>;

  let haproxy: Haproxy | undefined;
  const all: ServiceProcess[] = [];
  const cleanUp = async () => {
    // Clients first, then what they call: nothing calls a stopped service.
    for (const tier of [['bff-web', 'bff-mobile'], ['gateway'], ['orders'], ['users', 'catalog']]) {
      await Promise.all(all.filter((instance) => tier.includes(instance.service)).map((instance) => instance.stop()));
    }
    await haproxy?.stop();
    await deleteKeys(redisUrl, [`${prefix}*`, 'sf:*', 'pq:*']);
    await Promise.all(DOMAINS.map((domain) => databases[domain].drop()));
  };

  try {
    await seedDatabases({ users: databases.users.url, catalog: databases.catalog.url, orders: databases.orders.url });
    haproxy = await startHaproxy({
      services: SERVICE_NAMES.map((service) => ({
        name: service,
        servers: ports[service].map((port, index) => ({ name: `${service}-${index}`, port })),
      })),
      sourceAddress: BALANCER_ADDRESS,
      check: { path: '/health/ready', intervalMs: 200, fall: 2, rise: 2 },
    });
    const balanced = Object.fromEntries(SERVICE_NAMES.map((service) => [service, `${haproxy!.urls[service]}/graphql`])) as Record<
      ServiceName,
      string
    >;

    const base = baseEnv(secrets, redisUrl, prefix, options.drainMs);
    const envOf: Record<ServiceName, Record<string, string>> = {
      users: { USERS_DATABASE_URL: databases.users.url, SCRYPT_COST: '1024' },
      catalog: { CATALOG_DATABASE_URL: databases.catalog.url },
      orders: { ORDERS_DATABASE_URL: databases.orders.url, CATALOG_URL: balanced.catalog },
      // Its callers are the BFFs (this host) through the balancer: both may name the client.
      gateway: {
        USERS_URL: balanced.users,
        CATALOG_URL: balanced.catalog,
        ORDERS_URL: balanced.orders,
        TRUST_PROXY: `127.0.0.1,${BALANCER_ADDRESS}`,
      },
      'bff-web': { GATEWAY_URL: balanced.gateway, TRUST_PROXY: BALANCER_ADDRESS },
      'bff-mobile': { GATEWAY_URL: balanced.gateway, TRUST_PROXY: BALANCER_ADDRESS },
    };
    const instances = Object.fromEntries(
      SERVICE_NAMES.map((service) => [
        service,
        ports[service].map(
          (port, index) =>
            new ServiceProcess(service, `${service}-${index}`, port, {
              ...base,
              ...envOf[service],
              ...options.serviceEnv?.[service],
            }),
        ),
      ]),
    ) as Record<ServiceName, ServiceProcess[]>;
    all.push(...Object.values(instances).flat());

    // A few at a time: a dozen Node processes booting at once on a small machine starve each other.
    for (let first = 0; first < all.length; first += 4) {
      const wave = all.slice(first, first + 4);
      for (const instance of wave) instance.start();
      await Promise.all(wave.map((instance) => instance.ready()));
    }
    await Promise.all(all.map((instance) => haproxy!.waitFor(instance.service, instance.name, 'UP')));

    const bus = new RedisStreamsBus({ kind: 'standalone', url: redisUrl });
    return {
      balanced,
      instances,
      haproxy,
      databases,
      redisUrl,
      prefix,
      async restart(instance) {
        const exiting = instance.stop('SIGTERM');
        await haproxy!.waitFor(instance.service, instance.name, 'DOWN');
        const servingWhenTakenOut = await fetch(`${instance.origin}/health/live`).then(
          (response) => response.ok,
          () => false,
        );
        const exit = await exiting;
        instance.start();
        await instance.ready();
        await haproxy!.waitFor(instance.service, instance.name, 'UP');
        return { exit, servingWhenTakenOut };
      },
      async deadLetters() {
        const streams = { orders: orderEvents.stream(prefix), catalog: catalogEvents.stream(prefix) };
        return [...(await bus.deadLetters(streams.orders)), ...(await bus.deadLetters(streams.catalog))];
      },
      logs(...services) {
        const lines = services.flatMap((service) => instances[service].map((instance) => instance.tail()));
        return [...lines, haproxy!.log().split('\n').slice(-40).join('\n')].join('\n');
      },
      async stop() {
        await bus.close();
        await cleanUp();
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
