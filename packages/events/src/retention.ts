import type pg from 'pg';
import { Counter, type Registry } from 'prom-client';
import { OUTBOX_TABLE } from './outbox.js';

/** The ids of consumed events (deduplication), in every consuming domain. */
export const PROCESSED_TABLE = 'processed_events';

/** Rows deleted per statement, so one sweep never holds a long lock or a huge transaction. */
const DELETE_BATCH = 1_000;

async function deleteInBatches(pool: pg.Pool, sql: string, maxAgeSeconds: number, batchSize: number): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await pool.query(sql, [maxAgeSeconds, batchSize]);
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) return total;
  }
}

/**
 * Deletes outbox rows published more than `maxAgeSeconds` ago (unpublished ones stay, however
 * old) and processed-event ids recorded more than `maxAgeSeconds` ago: an event redelivered
 * after that would be applied again, so the age must exceed any redelivery (days, not the
 * seconds a retry takes).
 */
export async function deleteExpiredEvents(
  pool: pg.Pool,
  maxAgeSeconds: number,
  batchSize = DELETE_BATCH,
): Promise<{ outbox: number; processed: number }> {
  // `table` and `stampColumn` are this module's constants, never input.
  const expired = (table: string, stampColumn: string) =>
    deleteInBatches(
      pool,
      `DELETE FROM ${table} WHERE id IN (
         SELECT id FROM ${table} WHERE ${stampColumn} < now() - make_interval(secs => $1) LIMIT $2)`,
      maxAgeSeconds,
      batchSize,
    );
  const outbox = await expired(OUTBOX_TABLE, 'published_at');
  const processed = await expired(PROCESSED_TABLE, 'processed_at');
  return { outbox, processed };
}

export interface EventRetentionOptions {
  pool: pg.Pool;
  /** Age past which published outbox rows and processed-event ids go (EVENT_RETENTION_HOURS). */
  maxAgeSeconds: number;
  /** How often to sweep (EVENT_RETENTION_INTERVAL_MS); every instance may, deletes are idempotent. */
  intervalMs: number;
  /** Counts the deleted rows by table (see retentionDeletedCounter). */
  deleted?: Counter<'table'>;
  onError?: (error: unknown) => void;
}

/** `events_retention_deleted_total{table}` on `registry`. */
export function retentionDeletedCounter(registry: Registry): Counter<'table'> {
  return new Counter({
    name: 'events_retention_deleted_total',
    help: 'Published outbox rows and processed-event ids deleted for their age, by table.',
    labelNames: ['table'] as const,
    registers: [registry],
  });
}

/** Sweeps the event tables on a schedule (the first sweep at once); `stop` waits for one in progress. */
export function startEventRetention(options: EventRetentionOptions): { stop(): Promise<void> } {
  const { deleted } = options;
  let running = true;
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> = Promise.resolve();
  const sweep = async () => {
    try {
      const { outbox, processed } = await deleteExpiredEvents(options.pool, options.maxAgeSeconds);
      deleted?.inc({ table: OUTBOX_TABLE }, outbox);
      deleted?.inc({ table: PROCESSED_TABLE }, processed);
    } catch (error) {
      options.onError?.(error);
    }
    if (running) {
      timer = setTimeout(() => {
        sweeping = sweep();
      }, options.intervalMs);
    }
  };
  sweeping = sweep();
  return {
    async stop() {
      running = false;
      clearTimeout(timer);
      await sweeping;
    },
  };
}
