import { ensureDatabase } from './admin.js';
import type { EmbeddedPostgres } from './embedded.js';
import { migrate } from './migrate.js';
import { migrationsDir } from './paths.js';
import { domainDatabaseUrl, type Domain } from './urls.js';

/** A domain with a database of its own, as the service registry lists its subgraph. */
export interface DatabaseDomain {
  name: Domain;
  /** The embedded Postgres's port, used when no database URL is configured. */
  embeddedDatabasePort: number;
}

export interface DomainDatabase {
  url: string;
  /** True when this process serves the embedded Postgres (no database URL was configured). */
  embedded: boolean;
  /** Connections the pool may open: the embedded Postgres serves one session at a time. */
  poolMax: number;
  stop(): Promise<void>;
}

/**
 * Gets a domain's database ready for its subgraph: the configured server (the database
 * created on it when missing) or, when none is configured, an embedded Postgres in this
 * process. Migrations are applied unless `migrate` is false (production deploys migrate as
 * a separate step).
 */
export async function prepareDomainDatabase(
  { name: domain, embeddedDatabasePort }: DatabaseDomain,
  options: { env?: NodeJS.ProcessEnv; migrate?: boolean; poolMax?: number } = {},
): Promise<DomainDatabase> {
  const configured = domainDatabaseUrl(domain, options.env);
  let embedded: EmbeddedPostgres | undefined;
  let url: string;
  if (configured) {
    url = configured;
    await ensureDatabase(url);
  } else {
    // Loaded only when needed: PGlite is large and production never uses it.
    const { startEmbeddedDomainPostgres } = await import('./embedded.js');
    embedded = await startEmbeddedDomainPostgres(domain, embeddedDatabasePort);
    url = embedded.url;
  }
  if (options.migrate ?? true) await migrate(url, migrationsDir(domain));
  return {
    url,
    embedded: embedded !== undefined,
    poolMax: embedded ? 1 : (options.poolMax ?? 10),
    stop: async () => embedded?.stop(),
  };
}
