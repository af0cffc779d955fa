import pg from 'pg';

export interface PoolOptions {
  /** Maximum connections; the embedded Postgres serves one session at a time, so use 1 there. */
  max?: number;
  /** Called once per SQL statement sent, for the statement-count metrics and tests. */
  onStatement?: () => void;
  /** An idle connection failed (e.g. the server restarted); the pool replaces it. */
  onIdleError?: (error: Error) => void;
}

/**
 * A pg pool for Prisma's driver adapter. Every statement a pooled client sends is counted,
 * so N+1 regressions are visible on /metrics and in tests.
 */
export function createPool(connectionString: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  });
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', (error) => options.onIdleError?.(error));
  const { onStatement } = options;
  if (onStatement) {
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        onStatement();
        return query(...args);
      };
    });
  }
  return pool;
}
