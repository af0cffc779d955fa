import { randomBytes, randomUUID } from 'node:crypto';
import { orderEvents, type OrderEventType } from '@storefront/orders-events';
import { catalogEvents, type CatalogEventPayload, type CatalogEventType } from '@storefront/catalog-events';
import { RedisStreamsBus, deadLetterStream, envelope, type Envelope } from '@storefront/events';
import { products } from '@storefront/catalog/seed-data';
import { ada } from '@storefront/users/seed-data';
import { accessTokenFor, graphql, testRedis, testRedisUrl } from '@storefront/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ORDERS_GROUP } from './events.js';
import { CANCEL_REASON } from './service.js';
import { eventually, startTestStack, type TestStack } from '../test/support.js';

/**
 * Orders' side of the order events, on real Postgres and Redis: the outbox rows placeOrder and
 * cancelOrder write, the relay publishing them, and the consumer applying the catalog's
 * answers (published here as the catalog would) exactly once.
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
  // The relay publishes when a test flushes it (its idle interval is longer than the file).
  stack = await startTestStack({
    events: { bus, streamPrefix: prefix, relayIntervalMs: 600_000, maxAttempts: 2, retryAfterMs: 100 },
  });
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
  placeOrder(input: $input, idempotencyKey: $key) { order { id status } userErrors { code } }
}`;
const CANCEL = `mutation Cancel($id: ID!) { cancelOrder(id: $id) { order { id status } userErrors { code } } }`;
const ORDER = `query Order($id: ID!) { order(id: $id) { id status cancelReason } }`;

const product = products[0]!;
let keys = 0;

/** Places an order of one `product` as ada, with a request id; returns the order id. */
async function place(key = `events-${++keys}`, requestId = `req-place-${keys}`): Promise<string> {
  const response = await graphql(
    stack.url,
    PLACE,
    { input: { items: [{ productId: product.id, quantity: 1 }] }, key },
    { token: adaToken, headers: { 'x-request-id': requestId } },
  );
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data?.placeOrder.userErrors).toEqual([]);
  return response.body.data?.placeOrder.order.id as string;
}

/** The outbox events of `type` about `orderId`, oldest first. */
async function outbox(type: OrderEventType, orderId: string) {
  const rows = await stack.server.prisma.outboxEvent.findMany({ orderBy: { sequence: 'asc' } });
  return rows.filter((row) => {
    const event = row.event as unknown as Envelope<{ orderId?: string }>;
    return event.type === type && event.payload.orderId === orderId;
  });
}

/** Every event on `stream`, in stream order. */
async function onStream(stream: string): Promise<Envelope[]> {
  const entries = (await redis.xrange(stream, '-', '+')) as Array<[string, string[]]>;
  return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]!) as Envelope);
}

/** Publishes an event on the catalog's stream, as the catalog would. */
async function fromCatalog<Type extends CatalogEventType>(type: Type, payload: CatalogEventPayload<Type>, requestId?: string) {
  const event = envelope(type, payload, requestId ? { requestId } : {});
  await bus.publish(streams.catalog, event);
  return event;
}

const statusOf = async (id: string) => (await stack.server.prisma.order.findUniqueOrThrow({ where: { id } })).status;
const wasProcessed = (eventId: string) =>
  eventually(() => stack.server.prisma.processedEvent.findUnique({ where: { id: eventId } }).then((row) => row ?? undefined), {
    message: `event ${eventId} processed`,
  });
/** The orders group has acknowledged everything on the catalog's stream. */
const drained = () =>
  eventually(async () => (await bus.lag(streams.catalog, ORDERS_GROUP)) === 0, { message: 'catalog stream drained' });

async function metricsText(): Promise<string> {
  return (await fetch(stack.url.replace(/\/graphql$/, '/metrics'))).text();
}
function metric(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([key, value]) => body.includes(`${key}="${value}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('orders events', () => {
  it('writes one OrderPlaced with the order, none on a replay, and the relay publishes it', async () => {
    const before = await stack.server.prisma.outboxEvent.count();
    const orderId = await place('events-placed', 'req-placed-1');

    const [row, ...more] = await outbox('OrderPlaced', orderId);
    expect(more).toEqual([]);
    expect(row!.stream).toBe(streams.orders);
    expect(row!.publishedAt).toBeNull();
    expect(row!.event).toEqual({
      id: row!.id,
      type: 'OrderPlaced',
      version: 1,
      occurredAt: expect.any(String),
      requestId: 'req-placed-1',
      payload: { orderId, buyerId: ada.id, lines: [{ productId: product.id, quantity: 1 }] },
    });

    // The same key again is a replay: the same order, nothing new written.
    expect(await place('events-placed', 'req-placed-2')).toBe(orderId);
    expect(await stack.server.prisma.outboxEvent.count()).toBe(before + 1);
    // Concurrent requests with one new key: one order, one event (the losers' rows roll back).
    const raced = new Set(await Promise.all(Array.from({ length: 5 }, () => place('events-raced'))));
    expect(raced.size).toBe(1);
    expect(await outbox('OrderPlaced', [...raced][0]!)).toHaveLength(1);
    expect(await stack.server.prisma.outboxEvent.count()).toBe(before + 2);

    expect(await stack.server.relay!.flush()).toBeGreaterThanOrEqual(1);
    const published = await stack.server.prisma.outboxEvent.findUniqueOrThrow({ where: { id: row!.id } });
    expect(published.publishedAt).toBeInstanceOf(Date);
    const copies = (await onStream(streams.orders)).filter((event) => event.id === row!.id);
    expect(copies).toEqual([row!.event]);
    expect(await stack.server.relay!.flush()).toBe(0);
  });

  it('confirms the order on StockReserved, once however often it is delivered', async () => {
    const orderId = await place();
    const reserved = await fromCatalog('StockReserved', { orderId }, 'req-reserve-1');
    await eventually(async () => (await statusOf(orderId)) === 'CONFIRMED', { message: 'order confirmed' });

    // The catalog's relay publishing it again (crash before its mark), and a second answer.
    await bus.publish(streams.catalog, reserved);
    const again = await fromCatalog('StockReserved', { orderId });
    await wasProcessed(again.id);
    await drained();

    expect(await statusOf(orderId)).toBe('CONFIRMED');
    const confirmed = await outbox('OrderConfirmed', orderId);
    expect(confirmed).toHaveLength(1);
    expect(confirmed[0]!.event).toMatchObject({
      type: 'OrderConfirmed',
      requestId: 'req-reserve-1',
      payload: { orderId, buyerId: ada.id },
    });
    expect(await stack.server.prisma.processedEvent.count({ where: { id: { in: [reserved.id, again.id] } } })).toBe(2);

    await stack.server.relay!.flush();
    expect((await onStream(streams.orders)).filter((event) => event.id === confirmed[0]!.id)).toHaveLength(1);
  });

  it('cancels the order on StockReservationFailed with a reason the buyer sees', async () => {
    const orderId = await place();
    const reason = 'Sorry, Classic Kettle sold out before we could reserve it.';
    const failed = await fromCatalog('StockReservationFailed', { orderId, reason, productId: product.id });
    await eventually(async () => (await statusOf(orderId)) === 'CANCELLED', { message: 'order cancelled' });
    await bus.publish(streams.catalog, failed);
    await drained();

    const response = await graphql(stack.url, ORDER, { id: orderId }, { token: adaToken });
    expect(response.body).toEqual({ data: { order: { id: orderId, status: 'CANCELLED', cancelReason: reason } } });
    const rejected = await outbox('OrderRejected', orderId);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.event).toMatchObject({ type: 'OrderRejected', payload: { orderId, buyerId: ada.id, reason } });
  });

  it('writes OrderCancelled when the buyer cancels, and a later StockReserved leaves the order cancelled', async () => {
    const orderId = await place();
    for (const requestId of ['req-cancel-1', 'req-cancel-2']) {
      const response = await graphql(
        stack.url,
        CANCEL,
        { id: orderId },
        { token: adaToken, headers: { 'x-request-id': requestId } },
      );
      expect(response.body.data?.cancelOrder).toEqual({ order: { id: orderId, status: 'CANCELLED' }, userErrors: [] });
    }
    // Only the cancel that changed the status wrote an event.
    const cancelled = await outbox('OrderCancelled', orderId);
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]!.event).toMatchObject({
      type: 'OrderCancelled',
      requestId: 'req-cancel-1',
      payload: { orderId, buyerId: ada.id, reason: CANCEL_REASON },
    });

    const reserved = await fromCatalog('StockReserved', { orderId });
    await wasProcessed(reserved.id);
    expect(await statusOf(orderId)).toBe('CANCELLED');
    expect((await stack.server.prisma.order.findUniqueOrThrow({ where: { id: orderId } })).cancelReason).toBe(CANCEL_REASON);
    expect(await outbox('OrderConfirmed', orderId)).toEqual([]);
  });

  it('ignores other events, dead-letters a malformed one while later ones flow, and reports it on /metrics', async () => {
    const orderId = await place();
    await fromCatalog('ProductChanged', { productId: product.id, changes: ['stock'], stockQuantity: 3 });
    const poison = envelope('StockReserved', { orderId: 'not-an-order-id' });
    await bus.publish(streams.catalog, poison);
    const unknownOrder = await fromCatalog('StockReserved', { orderId: randomUUID() });
    const reserved = await fromCatalog('StockReserved', { orderId });

    await eventually(async () => (await statusOf(orderId)) === 'CONFIRMED', { message: 'order confirmed' });
    const [letter, ...others] = await eventually(
      async () => {
        const letters = await bus.deadLetters(streams.catalog);
        return letters.length > 0 && letters;
      },
      { message: 'poison dead-lettered' },
    );
    expect(others).toEqual([]);
    expect(letter).toMatchObject({ group: ORDERS_GROUP, attempts: 2 });
    expect(JSON.parse(letter!.event).id).toBe(poison.id);
    expect(letter!.error).toMatch(/uuid/i);
    await drained();
    await wasProcessed(unknownOrder.id);
    expect(await stack.server.prisma.processedEvent.findUnique({ where: { id: poison.id } })).toBeNull();
    expect(await stack.server.prisma.processedEvent.findUnique({ where: { id: reserved.id } })).not.toBeNull();

    const text = await metricsText();
    expect(metric(text, 'events_processed_total', { type: 'ProductChanged', outcome: 'ignored' })).toBeGreaterThanOrEqual(1);
    expect(metric(text, 'events_processed_total', { type: 'StockReserved', outcome: 'failed' })).toBe(2);
    expect(metric(text, 'events_processed_total', { type: 'StockReserved', outcome: 'applied' })).toBeGreaterThanOrEqual(1);
    expect(metric(text, 'events_processed_total', { type: 'StockReserved', outcome: 'duplicate' })).toBeGreaterThanOrEqual(1);
    expect(metric(text, 'events_processed_total', { type: 'StockReserved', outcome: 'skipped' })).toBeGreaterThanOrEqual(1);
    expect(metric(text, 'events_dead_letters', { stream: streams.catalog })).toBe(1);
    expect(metric(text, 'events_stream_lag', { stream: streams.catalog, group: ORDERS_GROUP })).toBe(0);
    const backlog = await stack.server.prisma.outboxEvent.count({ where: { publishedAt: null } });
    expect(backlog).toBeGreaterThan(0);
    expect(metric(text, 'events_outbox_backlog', {})).toBe(backlog);

    await stack.server.relay!.flush();
    expect(metric(await metricsText(), 'events_outbox_backlog', {})).toBe(0);
  });
});
