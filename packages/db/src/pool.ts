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
 * How long a request waits for a pooled connection, and a transaction to start, before it is
 * refused as SERVICE_UNAVAILABLE (retryable). Prisma's own transaction wait defaults to 2 s,
 * shorter than the pool's: a burst that the pool would have absorbed failed at 2 s.
 */
const CONNECTION_WAIT_MS = 5_000;

/** Prisma client options that wait for a connection as long as the pool does. */
export const transactionOptions = { maxWait: CONNECTION_WAIT_MS, timeout: 2 * CONNECTION_WAIT_MS } as const;

/**
 * A pg pool for Prisma's driver adapter. Every statement a pooled client sends is counted,
 * so N+1 regressions are visible on /metrics and in tests.
 */
export function createPool(connectionString: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: CONNECTION_WAIT_MS,
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
