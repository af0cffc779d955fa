export type Domain = 'users' | 'catalog' | 'orders';

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
