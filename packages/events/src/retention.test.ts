import { createPool } from '@storefront/db';
import { createTestDatabase, type TestDatabase } from '@storefront/testing';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OUTBOX_TABLE } from './outbox.js';
import { PROCESSED_TABLE, deleteExpiredEvents, retentionDeletedCounter, startEventRetention } from './retention.js';

async function outboxRow(pool: pg.Pool, publishedHoursAgo: number | null, createdHoursAgo = 1_000): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO ${OUTBOX_TABLE} (id, stream, event, created_at, published_at)
     VALUES ($1, 'test.events', '{}', now() - make_interval(hours => $2), CASE WHEN $3::int IS NULL THEN NULL ELSE now() - make_interval(hours => $3::int) END)`,
    [id, createdHoursAgo, publishedHoursAgo],
  );
  return id;
}

async function processedRow(pool: pg.Pool, hoursAgo: number): Promise<string> {
  const id = randomUUID();
  await pool.query(`INSERT INTO ${PROCESSED_TABLE} (id, processed_at) VALUES ($1, now() - make_interval(hours => $2))`, [
    id,
    hoursAgo,
  ]);
  return id;
}

const ids = async (pool: pg.Pool, table: string) =>
  (await pool.query<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`)).rows.map((row) => row.id).sort();

describe('event retention', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    // The orders domain's migrations: its outbox_events and processed_events as deployed.
    database = await createTestDatabase('orders');
    pool = createPool(database.url, { max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('deletes published outbox rows and processed-event ids older than the age, nothing else', async () => {
    const oldPublished = await Promise.all([outboxRow(pool, 200), outboxRow(pool, 170)]);
    const keptOutbox = [await outboxRow(pool, 10), await outboxRow(pool, null), await outboxRow(pool, null, 5_000)];
    const oldProcessed = await processedRow(pool, 500);
    const keptProcessed = await processedRow(pool, 2);

    const deleted = await deleteExpiredEvents(pool, 168 * 3600, 1);
    expect(deleted).toEqual({ outbox: oldPublished.length, processed: 1 });
    expect(await ids(pool, OUTBOX_TABLE)).toEqual([...keptOutbox].sort());
    expect(await ids(pool, PROCESSED_TABLE)).toEqual([keptProcessed]);
    expect(oldProcessed).not.toEqual(keptProcessed);
  });

  it('runs on a schedule and counts what it deleted on /metrics', async () => {
    await outboxRow(pool, 300);
    await processedRow(pool, 300);
    const registry = new Registry();
    const retention = startEventRetention({
      pool,
      maxAgeSeconds: 168 * 3600,
      intervalMs: 50,
      deleted: retentionDeletedCounter(registry),
    });
    try {
      // One sweep deletes from both tables in turn: wait for the whole of it, the counters included.
      const swept = async () => {
        const outbox = await pool.query(`SELECT 1 FROM ${OUTBOX_TABLE} WHERE published_at < now() - interval '168 hours'`);
        const metrics = await registry.metrics();
        return (
          outbox.rowCount === 0 &&
          /events_retention_deleted_total\{table="outbox_events"\} [1-9]/.test(metrics) &&
          /events_retention_deleted_total\{table="processed_events"\} [1-9]/.test(metrics)
        );
      };
      const deadline = Date.now() + 10_000;
      while (!(await swept())) {
        if (Date.now() > deadline) throw new Error(`not swept in time: ${await registry.metrics()}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    } finally {
      await retention.stop();
    }
  });
});
