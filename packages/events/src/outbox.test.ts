import { createPool } from '@storefront/db';
import { createTestDatabase, type TestDatabase } from '@storefront/testing';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { envelope, type Envelope } from './envelope.js';
import { InProcessBus } from './memory-bus.js';
import { OUTBOX_TABLE, outboxBacklog, startOutboxRelay } from './outbox.js';

// The table as every domain's migration creates it.
const CREATE_OUTBOX = `
  CREATE TABLE ${OUTBOX_TABLE} (
    id UUID PRIMARY KEY,
    sequence BIGSERIAL NOT NULL UNIQUE,
    stream TEXT NOT NULL,
    event JSONB NOT NULL,
    created_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    published_at TIMESTAMPTZ(3)
  )`;

/** A bus that records what was published, and can fail after a number of publishes. */
class RecordingBus extends InProcessBus {
  readonly sent: Envelope[] = [];
  failAfter = Infinity;
  override async publish(stream: string, event: Envelope): Promise<void> {
    if (this.sent.length >= this.failAfter) throw new Error('relay crashed');
    this.sent.push(event);
    await super.publish(stream, event);
  }
}

async function insertEvents(pool: pg.Pool, count: number): Promise<string[]> {
  const events = Array.from({ length: count }, (_, index) => envelope('Test', { index }));
  for (const event of events) {
    await pool.query(`INSERT INTO ${OUTBOX_TABLE} (id, stream, event) VALUES ($1, 'test.events', $2)`, [event.id, event]);
  }
  return events.map((event) => event.id);
}

describe('outbox relay', () => {
  let database: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase('orders', { migrate: false });
    pool = createPool(database.url, { max: 6 });
    await pool.query(CREATE_OUTBOX);
  });
  beforeEach(() => pool.query(`DELETE FROM ${OUTBOX_TABLE}`));
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it('publishes unpublished events in insertion order and marks them published', async () => {
    const ids = await insertEvents(pool, 7);
    const bus = new RecordingBus();
    const relay = startOutboxRelay({ pool, bus, intervalMs: 10_000 });
    await relay.flush();
    await relay.stop();
    expect(bus.sent.map((event) => event.id)).toEqual(ids);
    expect(await outboxBacklog(pool)).toBe(0);
  });

  it('publishes again what it published but could not mark (a crash between the two)', async () => {
    const ids = await insertEvents(pool, 5);
    const bus = new RecordingBus();
    bus.failAfter = 3;
    const errors: unknown[] = [];
    const relay = startOutboxRelay({ pool, bus, intervalMs: 10_000, onError: (error) => errors.push(error) });
    await expect(relay.flush()).rejects.toThrow('relay crashed');
    expect(await outboxBacklog(pool)).toBe(5);
    bus.failAfter = Infinity;
    await relay.flush();
    await relay.stop();
    const published = bus.sent.map((event) => event.id);
    // The first three went out twice (consumers drop the duplicates by id); none is lost.
    expect(published).toEqual([...ids.slice(0, 3), ...ids]);
    expect(await outboxBacklog(pool)).toBe(0);
  });

  it('never lets two relays publish the same row in the same round', async () => {
    const ids = await insertEvents(pool, 300);
    const bus = new RecordingBus();
    const relays = [1, 2, 3].map(() => startOutboxRelay({ pool, bus, intervalMs: 10_000, batchSize: 20 }));
    await Promise.all(relays.map((relay) => relay.flush()));
    await Promise.all(relays.map((relay) => relay.stop()));
    const published = bus.sent.map((event) => event.id);
    expect(published).toHaveLength(300);
    expect(new Set(published)).toEqual(new Set(ids));
  });

  it('reports the backlog of unpublished events', async () => {
    await insertEvents(pool, 4);
    await pool.query(`UPDATE ${OUTBOX_TABLE} SET published_at = now() WHERE id = (SELECT id FROM ${OUTBOX_TABLE} LIMIT 1)`);
    expect(await outboxBacklog(pool)).toBe(3);
  });
});
