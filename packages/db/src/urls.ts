/**
 * A domain that owns a database: its subgraph's name and its folder under prisma/. The list
 * of them is the service registry's (`DATABASE_DOMAINS` of @storefront/stack), handed in by
 * the callers; nothing here depends on which they are.
 */
export type Domain = string;

/**
 * The connection string of one domain's database. `<DOMAIN>_DATABASE_URL` wins; otherwise
 * the server in `DATABASE_URL` is used with the database named after the domain (prefixed
 * by `DATABASE_NAME_PREFIX`, so tests and parallel stacks get databases of their own).
 */
export function domainDatabaseUrl(domain: Domain, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env[`${domain.toUpperCase()}_DATABASE_URL`];
  if (explicit) return explicit;
  if (!env.DATABASE_URL) return undefined;
  return withDatabase(env.DATABASE_URL, `${env.DATABASE_NAME_PREFIX ?? ''}${domain}`);
}

/**
 * The connection string migrations of one domain use. Migrations hold a session-level
 * advisory lock, which a pooler in transaction mode (PgBouncer) cannot keep, so they may go
 * straight to the server: `<DOMAIN>_MIGRATION_DATABASE_URL` wins, then the server in
 * `MIGRATION_DATABASE_URL` (database named as for `DATABASE_URL`), then the services' own
 * URLs (`domainDatabaseUrl`).
 */
export function migrationDatabaseUrl(domain: Domain, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env[`${domain.toUpperCase()}_MIGRATION_DATABASE_URL`];
  if (explicit) return explicit;
  if (env.MIGRATION_DATABASE_URL) return withDatabase(env.MIGRATION_DATABASE_URL, `${env.DATABASE_NAME_PREFIX ?? ''}${domain}`);
  return domainDatabaseUrl(domain, env);
}

export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error('database URL names no database');
  return name;
}

/** The URL for logs: the password is replaced, the rest kept for debugging. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
