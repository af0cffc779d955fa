/**
 * The services of the stack and where each one lives: deployment data, the one list that
 * `npm start` (scripts/start.ts), the benchmark (bench/stack.ts), supergraph composition
 * (gateway/src/compose.ts), the migration job (scripts/migrate.ts) and the test stacks read.
 * It lives outside packages/, because shared packages name no domain: whoever calls them hands
 * them what they need of it (a subgraph's database, the domains to migrate). Listed in the
 * order the tiers call each other back to front: subgraphs, then the gateway, then the BFFs
 * (`npm start` starts them all at once, as none needs another to become ready).
 */
export interface ServiceEntry {
  name: string;
  role: 'subgraph' | 'gateway' | 'bff';
  /** Folder of its workspace, from the repository root (it runs `<workspace>/dist/main.js`). */
  workspace: string;
  /** The variable its config reads its port from, and the port it uses without it. */
  portVariable: string;
  defaultPort: number;
  /** The variable other services read its GraphQL URL from (the gateway and orders: subgraphs; the BFFs: the gateway). */
  urlVariable?: string;
  /** A subgraph's own database (`prisma/<name>/`): the embedded Postgres's port for it (away from a real server's 5432). */
  embeddedDatabasePort?: number;
}

export const SERVICES = [
  {
    name: 'users',
    role: 'subgraph',
    workspace: 'subgraphs/users',
    portVariable: 'USERS_PORT',
    defaultPort: 4001,
    urlVariable: 'USERS_URL',
    embeddedDatabasePort: 55431,
  },
  {
    name: 'catalog',
    role: 'subgraph',
    workspace: 'subgraphs/catalog',
    portVariable: 'CATALOG_PORT',
    defaultPort: 4002,
    urlVariable: 'CATALOG_URL',
    embeddedDatabasePort: 55432,
  },
  {
    name: 'orders',
    role: 'subgraph',
    workspace: 'subgraphs/orders',
    portVariable: 'ORDERS_PORT',
    defaultPort: 4003,
    urlVariable: 'ORDERS_URL',
    embeddedDatabasePort: 55433,
  },
  {
    name: 'gateway',
    role: 'gateway',
    workspace: 'gateway',
    portVariable: 'GATEWAY_PORT',
    defaultPort: 4000,
    urlVariable: 'GATEWAY_URL',
  },
  { name: 'bff-web', role: 'bff', workspace: 'bff-web', portVariable: 'BFF_WEB_PORT', defaultPort: 4100 },
  { name: 'bff-mobile', role: 'bff', workspace: 'bff-mobile', portVariable: 'BFF_MOBILE_PORT', defaultPort: 4200 },
] as const satisfies readonly ServiceEntry[];

export type ServiceName = (typeof SERVICES)[number]['name'];
export type Service = (typeof SERVICES)[number];
export type Subgraph = Extract<Service, { role: 'subgraph' }>;
export type SubgraphName = Subgraph['name'];

export const SERVICE_NAMES: readonly ServiceName[] = SERVICES.map((service) => service.name);

/** The subgraphs, each with a database of its own named after it. */
export const SUBGRAPHS: readonly Subgraph[] = SERVICES.filter((service): service is Subgraph => service.role === 'subgraph');

/** The domains that own a database (`prisma/<domain>/`): the subgraphs' names. */
export const DATABASE_DOMAINS: readonly SubgraphName[] = SUBGRAPHS.map((subgraph) => subgraph.name);

export function serviceNamed<Name extends ServiceName>(name: Name): Extract<Service, { name: Name }> {
  return SERVICES.find((service) => service.name === name) as Extract<Service, { name: Name }>;
}
