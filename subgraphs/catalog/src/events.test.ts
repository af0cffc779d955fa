import { catalogEvents } from '@storefront/catalog-events';
import type { Envelope } from '@storefront/events';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CATALOG_GROUP } from './events.js';
import { createTestStreams, newId, waitFor, type TestStreams } from '../test/events-support.js';
import type { Product } from './generated/prisma/client.js';
import { StockReservations } from './reservations.js';
import { startTestCatalog, type TestCatalog } from '../test/support.js';

let streams: TestStreams;
let catalog: TestCatalog;
let products: Product[];
let nextProduct = 0;

beforeAll(async () => {
  streams = await createTestStreams();
  catalog = await startTestCatalog({
    events: { bus: streams.bus, streamPrefix: streams.prefix, consumer: 'catalog-a', relayIntervalMs: 50, retryAfterMs: 200 },
  });
  products = await catalog.server.prisma.product.findMany({ orderBy: { sku: 'asc' } });
});

afterAll(async () => {
  await catalog?.stop();
  await streams?.close();
});

/** A product no other test touches, with `stock` units. */
async function productWithStock(stock: number): Promise<Product> {
  const product = products[nextProduct++]!;
  return catalog.server.prisma.product.update({ where: { id: product.id }, data: { stockQuantity: stock } });
}

async function stockOf(product: Pick<Product, 'id'>): Promise<number> {
  return (await catalog.server.prisma.product.findUniqueOrThrow({ where: { id: product.id } })).stockQuantity;
}

async function reservationOf(orderId: string) {
  return catalog.server.prisma.stockReservation.findUnique({ where: { orderId } });
}

/** Until the catalog group has acknowledged every event on the orders stream. */
async function drained(): Promise<void> {
  await waitFor(
    'the orders stream to be drained',
    async () => (await streams.bus.lag(streams.streams.orders, CATALOG_GROUP)) === 0,
  );
}

/** Publishes what the outbox holds until `ready` accepts the catalog stream's events about `subject`. */
async function catalogEventsAbout(
  subject: (event: Envelope) => boolean,
  ready: (events: Envelope[]) => boolean,
): Promise<Envelope[]> {
  return waitFor('catalog events', async () => {
    await catalog.server.relay!.flush();
    const events = (await streams.catalogEvents()).filter(subject);
    return ready(events) && events;
  });
}

const aboutOrder = (orderId: string) => (event: Envelope) => (event.payload as { orderId?: string }).orderId === orderId;
const aboutProduct = (productId: string) => (event: Envelope) =>
  event.type === 'ProductChanged' && (event.payload as { productId: string }).productId === productId;

function placed(orderId: string, lines: Array<[Product, number]>) {
  return { orderId, buyerId: newId(), lines: lines.map(([product, quantity]) => ({ productId: product.id, quantity })) };
}

async function processedCount(type: string, outcome: string): Promise<number> {
  const metric = await catalog.server.metrics.registry.getSingleMetric('events_processed_total')!.get();
  return metric.values.find((value) => value.labels.type === type && value.labels.outcome === outcome)?.value ?? 0;
}

describe('OrderPlaced', () => {
  it('lowers the stock of every line and answers StockReserved plus ProductChanged per product', async () => {
    const lamp = await productWithStock(10);
    const desk = await productWithStock(5);
    const orderId = newId();
    await streams.publishOrderEvent(
      'OrderPlaced',
      placed(orderId, [
        [lamp, 3],
        [desk, 5],
      ]),
      { requestId: 'req-reserve-1' },
    );

    await waitFor('stock to be reserved', async () => (await stockOf(lamp)) === 7);
    expect(await stockOf(desk)).toBe(0);
    expect(await reservationOf(orderId)).toMatchObject({ status: 'RESERVED' });

    const reserved = await catalogEventsAbout(aboutOrder(orderId), (events) => events.length > 0);
    expect(reserved.map((event) => [event.type, event.requestId])).toEqual([['StockReserved', 'req-reserve-1']]);
    expect(catalogEvents.payloadOf(reserved[0]!, 'StockReserved')).toEqual({ orderId });
    for (const [product, stockQuantity] of [
      [lamp, 7],
      [desk, 0],
    ] as const) {
      const [changed, ...more] = await catalogEventsAbout(aboutProduct(product.id), (events) => events.length > 0);
      expect(more).toEqual([]);
      expect(changed!.requestId).toBe('req-reserve-1');
      expect(catalogEvents.payloadOf(changed!, 'ProductChanged')).toEqual({
        productId: product.id,
        changes: ['stock'],
        stockQuantity,
      });
    }
  });

  it('changes stock once when the same event is delivered twice', async () => {
    const product = await productWithStock(10);
    const orderId = newId();
    const event = await streams.publishOrderEvent('OrderPlaced', placed(orderId, [[product, 4]]));
    const duplicatesBefore = await processedCount('OrderPlaced', 'duplicate');
    await streams.publishOrderEvent(event.type, event.payload, { id: event.id });

    await drained();
    expect(await stockOf(product)).toBe(6);
    expect(await processedCount('OrderPlaced', 'duplicate')).toBe(duplicatesBefore + 1);
    const answers = await catalogEventsAbout(aboutOrder(orderId), (events) => events.length > 0);
    expect(answers.map((answer) => answer.type)).toEqual(['StockReserved']);
  });

  it('reserves nothing and answers StockReservationFailed naming the product and what is left', async () => {
    const plenty = await productWithStock(10);
    const scarce = await productWithStock(1);
    const orderId = newId();
    await streams.publishOrderEvent(
      'OrderPlaced',
      placed(orderId, [
        [plenty, 2],
        [scarce, 3],
      ]),
    );

    const [failed, ...more] = await catalogEventsAbout(aboutOrder(orderId), (events) => events.length > 0);
    expect(more).toEqual([]);
    const payload = catalogEvents.payloadOf(failed!, 'StockReservationFailed');
    expect(payload.productId).toBe(scarce.id);
    expect(payload.reason).toContain(scarce.name);
    expect(payload.reason).toContain('Only 1');
    expect(await stockOf(plenty)).toBe(10);
    expect(await stockOf(scarce)).toBe(1);
    expect(await reservationOf(orderId)).toMatchObject({ status: 'REJECTED', reason: payload.reason });

    // Cancelling the rejected order gives nothing back.
    await streams.publishOrderEvent('OrderCancelled', { orderId, buyerId: newId(), reason: 'out of stock' });
    await drained();
    expect(await stockOf(plenty)).toBe(10);
    expect(await stockOf(scarce)).toBe(1);
    expect(
      (await streams.catalogEvents()).filter((event) => aboutProduct(plenty.id)(event) || aboutProduct(scarce.id)(event)),
    ).toEqual([]);
  });

  it('rejects an order for a product that is not in the catalog', async () => {
    const product = await productWithStock(10);
    const orderId = newId();
    const missing = newId();
    await streams.publishOrderEvent('OrderPlaced', {
      orderId,
      buyerId: newId(),
      lines: [
        { productId: product.id, quantity: 1 },
        { productId: missing, quantity: 1 },
      ],
    });

    const [failed] = await catalogEventsAbout(aboutOrder(orderId), (events) => events.length > 0);
    expect(catalogEvents.payloadOf(failed!, 'StockReservationFailed')).toMatchObject({ orderId, productId: missing });
    expect(await stockOf(product)).toBe(10);
  });

  it('reserves the last unit for exactly one of two orders taken by two catalog instances', async () => {
    const product = await productWithStock(1);
    const second = await startTestCatalog({
      database: catalog.database,
      events: { bus: streams.bus, streamPrefix: streams.prefix, consumer: 'catalog-b', relayIntervalMs: 50, retryAfterMs: 200 },
    });
    try {
      const orders = [newId(), newId()];
      await Promise.all(orders.map((orderId) => streams.publishOrderEvent('OrderPlaced', placed(orderId, [[product, 1]]))));

      const reservations = await waitFor('both orders to be decided', async () => {
        const rows = await Promise.all(orders.map(reservationOf));
        return rows.every(Boolean) && rows;
      });
      expect(reservations.map((row) => row!.status).sort()).toEqual(['REJECTED', 'RESERVED']);
      expect(await stockOf(product)).toBe(0);
      const answers = await catalogEventsAbout(
        (event) => orders.some((orderId) => aboutOrder(orderId)(event)),
        (events) => events.length >= 2,
      );
      expect(answers.map((event) => event.type).sort()).toEqual(['StockReservationFailed', 'StockReserved']);
    } finally {
      await second.stop();
    }
  });

  it('never takes stock below zero when many orders race for it', async () => {
    const scarce = await productWithStock(5);
    const left = await productWithStock(100);
    const right = await productWithStock(100);
    const reservations = new StockReservations(catalog.server.prisma, streams.streams.catalog);
    const orderPlaced = (lines: Array<[Product, number]>) =>
      reservations.orderPlaced({
        id: newId(),
        type: 'OrderPlaced',
        version: 1,
        occurredAt: new Date().toISOString(),
        payload: placed(newId(), lines),
      });

    const outcomes = await Promise.all([
      ...Array.from({ length: 20 }, () => orderPlaced([[scarce, 1]])),
      // The same two products in both orders of lines: locks are taken in id order, so no deadlock.
      ...Array.from({ length: 10 }, (_, index) =>
        orderPlaced(
          index % 2
            ? [
                [left, 1],
                [right, 1],
              ]
            : [
                [right, 1],
                [left, 1],
              ],
        ),
      ),
    ]);

    expect(outcomes.slice(0, 20).filter((outcome) => outcome === 'reserved')).toHaveLength(5);
    expect(outcomes.slice(0, 20).filter((outcome) => outcome === 'rejected')).toHaveLength(15);
    expect(outcomes.slice(20)).toEqual(Array(10).fill('reserved'));
    expect(await stockOf(scarce)).toBe(0);
    expect(await stockOf(left)).toBe(90);
    expect(await stockOf(right)).toBe(90);
  });
});

describe('OrderCancelled', () => {
  it('gives a reservation back exactly once, however often cancellations arrive', async () => {
    const product = await productWithStock(10);
    const orderId = newId();
    await streams.publishOrderEvent(
      'OrderPlaced',
      placed(orderId, [
        [product, 2],
        [product, 1],
      ]),
    );
    await waitFor('stock to be reserved', async () => (await stockOf(product)) === 7);

    const cancelled = await streams.publishOrderEvent('OrderCancelled', { orderId, buyerId: newId(), reason: 'changed my mind' });
    await streams.publishOrderEvent(cancelled.type, cancelled.payload, { id: cancelled.id });
    await streams.publishOrderEvent('OrderCancelled', { orderId, buyerId: newId(), reason: 'asked again' });
    await drained();

    expect(await stockOf(product)).toBe(10);
    expect(await reservationOf(orderId)).toMatchObject({ status: 'RELEASED', reason: 'changed my mind' });
    const changes = await catalogEventsAbout(aboutProduct(product.id), (events) => events.length >= 2);
    expect(changes.map((event) => catalogEvents.payloadOf(event, 'ProductChanged').stockQuantity)).toEqual([7, 10]);
  });

  it('before its OrderPlaced leaves a tombstone, so the late OrderPlaced reserves nothing', async () => {
    const product = await productWithStock(10);
    const orderId = newId();
    await streams.publishOrderEvent('OrderCancelled', { orderId, buyerId: newId(), reason: 'timed out' });
    await waitFor('the tombstone', () => reservationOf(orderId).then((row) => row ?? undefined));
    await streams.publishOrderEvent('OrderPlaced', placed(orderId, [[product, 4]]));
    await drained();

    expect(await stockOf(product)).toBe(10);
    expect(await reservationOf(orderId)).toMatchObject({ status: 'RELEASED', lines: [] });
    await catalog.server.relay!.flush();
    expect(
      (await streams.catalogEvents()).filter((event) => aboutOrder(orderId)(event) || aboutProduct(product.id)(event)),
    ).toEqual([]);
  });
});

describe('other events', () => {
  it('acknowledges order events that are not for catalog and leaves them alone', async () => {
    await streams.publishOrderEvent('OrderConfirmed', { orderId: newId(), buyerId: newId() });
    await streams.publishOrderEvent('SomethingNew', { anything: true });
    await drained();
    expect(await streams.bus.deadLetters(streams.streams.orders)).toEqual([]);
    expect(await processedCount('OrderConfirmed', 'ignored')).toBe(1);
    expect(await processedCount('unknown', 'ignored')).toBe(1);
  });
});
