import { randomBytes } from 'node:crypto';
import { orderEvents } from '@storefront/orders-events';
import { catalogEvents } from '@storefront/catalog-events';
import { createPool } from '@storefront/db';
import { RedisStreamsBus, deadLetterStream, envelope, startOutboxRelay, type Envelope, type Relay } from '@storefront/events';
import { products } from '@storefront/catalog/seed-data';
import { ada } from '@storefront/users/seed-data';
import { accessTokenFor, graphql, testRedis, testRedisUrl } from '@storefront/testing';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ORDERS_GROUP } from './events.js';
import { eventually, startTestStack, type TestStack } from '../test/support.js';

/**
 * The outbox relay under failure and competition, on real Postgres and Redis: a crash between
 * publishing and marking publishes again and consumers apply the event once; relays running
 * side by side never publish the same row twice.
 */
const prefix = `test-${randomBytes(5).toString('hex')}:`;
const streams = { orders: orderEvents.stream(prefix), catalog: catalogEvents.stream(prefix) };

let stack: TestStack;
let bus: RedisStreamsBus;
let redis: Redis;
let adaToken: string;

beforeAll(async () => {
  bus = new RedisStreamsBus(testRedis);
  redis = new Redis(testRedisUrl);
  adaToken = await accessTokenFor(ada);
  // The server's own relay publishes only when flushed; the tests start relays of their own.
  stack = await startTestStack({ events: { bus, streamPrefix: prefix, relayIntervalMs: 600_000 } });
});

afterAll(async () => {
  await stack?.stop();
  await bus?.close();
  if (redis) {
    await redis.del(streams.orders, streams.catalog, deadLetterStream(streams.orders), deadLetterStream(streams.catalog));
    await redis.quit();
  }
});

const PLACE = `mutation Place($input: PlaceOrderInput!, $key: String!) {
  placeOrder(input: $input, idempotencyKey: $key) { order { id } userErrors { code } }
}`;

let keys = 0;
async function place(): Promise<string> {
  const response = await graphql(
    stack.url,
    PLACE,
    { input: { items: [{ productId: products[0]!.id, quantity: 1 }] }, key: `relay-${++keys}` },
    { token: adaToken },
  );
  expect(response.body.data?.placeOrder.userErrors).toEqual([]);
  return response.body.data?.placeOrder.order.id as string;
}

/** How many times each event id is on `stream`. */
async function copiesOn(stream: string): Promise<Map<string, number>> {
  const entries = (await redis.xrange(stream, '-', '+')) as Array<[string, string[]]>;
  const counts = new Map<string, number>();
  for (const [, fields] of entries) {
    const { id } = JSON.parse(fields[fields.indexOf('event') + 1]!) as Envelope;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/**
 * `pool`, except that the first `UPDATE outbox_events` fails: the relay has published its batch
 * and dies before marking it, which rolls the claim back as a crash would.
 */
function crashingBeforeMark(pool: pg.Pool): { pool: pg.Pool; crashed: () => boolean } {
  let crashed = false;
  const connect = async () => {
    const client = await pool.connect();
    return new Proxy(client, {
      get(target, property, receiver) {
        if (property !== 'query') return Reflect.get(target, property, receiver);
        return (text: unknown, ...rest: unknown[]) => {
          if (!crashed && typeof text === 'string' && text.startsWith('UPDATE outbox_events')) {
            crashed = true;
            return Promise.reject(new Error('relay crashed before marking'));
          }
          return (target.query as (...args: unknown[]) => unknown)(text, ...rest);
        };
      },
    });
  };
  return { pool: { connect } as unknown as pg.Pool, crashed: () => crashed };
}

describe('outbox relay', () => {
  it('publishes again after a crash between publish and mark, and the consumer applies the event once', async () => {
    await stack.server.relay!.flush();
    const orderId = await place();
    const [placed] = await stack.server.prisma.outboxEvent.findMany({ where: { publishedAt: null } });
    expect(placed).toBeDefined();
    // The catalog's answer, waiting in an outbox of the same shape as the catalog's, so the same
    // relay crash duplicates it on the catalog's stream, where the orders consumer reads it.
    const reserved = envelope('StockReserved', { orderId });
    await stack.server.prisma.outboxEvent.create({ data: { id: reserved.id, stream: streams.catalog, event: reserved } });

    const errors: unknown[] = [];
    const crashing = crashingBeforeMark(stack.server.pool);
    const relay = startOutboxRelay({ pool: crashing.pool, bus, intervalMs: 600_000, onError: (error) => errors.push(error) });
    try {
      // The first round (at start) published both and crashed; this one publishes them again
      // (and perhaps the OrderConfirmed the consumer wrote meanwhile).
      expect(await relay.flush()).toBeGreaterThanOrEqual(2);
    } finally {
      await relay.stop();
    }
    expect(crashing.crashed()).toBe(true);
    expect(errors).toEqual([expect.objectContaining({ message: 'relay crashed before marking' })]);
    const marked = await stack.server.prisma.outboxEvent.findMany({ where: { id: { in: [placed!.id, reserved.id] } } });
    expect(marked.map((row) => row.publishedAt)).toEqual([expect.any(Date), expect.any(Date)]);
    expect((await copiesOn(streams.orders)).get(placed!.id)).toBe(2);
    expect((await copiesOn(streams.catalog)).get(reserved.id)).toBe(2);

    // Both copies reach the orders consumer; the second changes nothing.
    await eventually(
      async () => (await bus.lag(streams.catalog, ORDERS_GROUP)) === 0 && (await stack.server.prisma.processedEvent.count()) > 0,
      {
        message: 'catalog stream drained',
      },
    );
    expect((await stack.server.prisma.order.findUniqueOrThrow({ where: { id: orderId } })).status).toBe('CONFIRMED');
    const confirmed = (await stack.server.prisma.outboxEvent.findMany()).filter(
      (row) => (row.event as unknown as Envelope).type === 'OrderConfirmed',
    );
    expect(confirmed).toHaveLength(1);
    expect(await stack.server.prisma.processedEvent.count({ where: { id: reserved.id } })).toBe(1);
    const text = await (await fetch(stack.url.replace(/\/graphql$/, '/metrics'))).text();
    expect(text).toMatch(/events_processed_total\{[^}]*type="StockReserved"[^}]*outcome="applied"[^}]*\} 1\n/);
    expect(text).toMatch(/events_processed_total\{[^}]*type="StockReserved"[^}]*outcome="duplicate"[^}]*\} 1\n/);
  });

  it('lets two relays run at once without publishing a row twice', async () => {
    await stack.server.relay!.flush();
    const pools = [createPool(stack.ordersDatabaseUrl, { max: 3 }), createPool(stack.ordersDatabaseUrl, { max: 3 })];
    const published = [0, 0];
    const errors: unknown[] = [];
    // Small batches and short intervals, so the two keep claiming rows while orders come in.
    const relays: Relay[] = pools.map((pool, index) =>
      startOutboxRelay({
        pool,
        bus,
        intervalMs: 5,
        batchSize: 4,
        onError: (error) => errors.push(error),
        onPublished: (count) => (published[index]! += count),
      }),
    );
    let orderIds: string[];
    try {
      orderIds = await Promise.all(Array.from({ length: 50 }, () => place()));
      await Promise.all(relays.map((relay) => relay.flush()));
    } finally {
      await Promise.all(relays.map((relay) => relay.stop()));
      await Promise.all(pools.map((pool) => pool.end()));
    }
    expect(errors).toEqual([]);

    const rows = (await stack.server.prisma.outboxEvent.findMany()).filter((row) => {
      const event = row.event as unknown as Envelope<{ orderId: string }>;
      return event.type === 'OrderPlaced' && orderIds.includes(event.payload.orderId);
    });
    expect(rows).toHaveLength(50);
    expect(rows.every((row) => row.publishedAt !== null)).toBe(true);
    const copies = await copiesOn(streams.orders);
    expect(rows.map((row) => copies.get(row.id) ?? 0)).toEqual(rows.map(() => 1));
    expect(published[0]! + published[1]!).toBe(50);
  });
});
