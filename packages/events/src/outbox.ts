import type pg from 'pg';
import type { EventBus } from './bus.js';
import type { Envelope } from './envelope.js';

/**
 * The outbox table every publishing domain has (same columns in each Prisma schema):
 * events are inserted in the same transaction as the change they describe, and the relay
 * publishes them afterwards, so an event exists exactly when its change committed.
 */
export const OUTBOX_TABLE = 'outbox_events';

interface OutboxRow {
  id: string;
  stream: string;
  event: Envelope;
}

export interface RelayOptions {
  pool: pg.Pool;
  bus: EventBus;
  /** How often to look for unpublished events when idle. */
  intervalMs?: number;
  batchSize?: number;
  onError?: (error: unknown) => void;
  onPublished?: (count: number) => void;
}

export interface Relay {
  /** Publishes what is waiting now; resolves with how many events went out. */
  flush(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Publishes unpublished outbox rows in order and marks them published. Rows are claimed with
 * FOR UPDATE SKIP LOCKED, so several relays (one per instance) never publish the same row at
 * the same moment. A crash between publishing and marking publishes the rows again on the
 * next round: delivery is at least once, and consumers deduplicate on the event id.
 */
export function startOutboxRelay(options: RelayOptions): Relay {
  const { pool, bus } = options;
  const intervalMs = options.intervalMs ?? 200;
  const batchSize = options.batchSize ?? 100;
  let running = true;
  let timer: NodeJS.Timeout | undefined;

  const publishBatch = async (): Promise<number> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, stream, event FROM ${OUTBOX_TABLE} WHERE published_at IS NULL ORDER BY created_at, sequence LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchSize],
      );
      for (const row of rows) await bus.publish(row.stream, row.event);
      if (rows.length > 0) {
        await client.query(`UPDATE ${OUTBOX_TABLE} SET published_at = now() WHERE id = ANY($1::uuid[])`, [
          rows.map((row) => row.id),
        ]);
      }
      await client.query('COMMIT');
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };

  const drain = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const published = await publishBatch();
      total += published;
      if (published < batchSize) break;
    }
    if (total > 0) options.onPublished?.(total);
    return total;
  };

  // Every drain runs after the previous one, so flush() also waits for a round in progress.
  let chain: Promise<number> = Promise.resolve(0);
  const enqueue = () => {
    chain = chain.then(drain, drain);
    return chain;
  };

  const tick = () => {
    void enqueue()
      .catch((error: unknown) => {
        options.onError?.(error);
        return 0;
      })
      .finally(() => {
        if (running) timer = setTimeout(tick, intervalMs);
      });
  };
  tick();

  return {
    flush: () => enqueue(),
    stop: async () => {
      running = false;
      clearTimeout(timer);
      await chain.catch(() => 0);
    },
  };
}

/** Unpublished events: the outbox backlog metric. */
export async function outboxBacklog(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ count: string }>(`SELECT count(*) FROM ${OUTBOX_TABLE} WHERE published_at IS NULL`);
  return Number(rows[0]?.count ?? 0);
}
