import { admin } from '@storefront/users/seed-data';
import { accessTokenFor, graphql } from '@storefront/testing';
import { catalogEvents } from '@storefront/catalog-events';
import type { Envelope } from '@storefront/events';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CATALOG_GROUP } from './events.js';
import { createTestStreams, newId, waitFor, type TestStreams } from '../test/events-support.js';
import type { Product } from './generated/prisma/client.js';
import { startTestCatalog, type TestCatalog } from '../test/support.js';

let streams: TestStreams;
let catalog: TestCatalog;
let products: Product[];
let nextProduct = 0;
const cleanups: Array<() => Promise<unknown>> = [];

const eventsOptions = (testStreams: TestStreams, consumer: string) => ({
  bus: testStreams.bus,
  streamPrefix: testStreams.prefix,
  consumer,
  relayIntervalMs: 50,
  maxAttempts: 3,
  retryAfterMs: 50,
});

beforeAll(async () => {
  streams = await createTestStreams();
  catalog = await startTestCatalog({ events: eventsOptions(streams, 'catalog-a') });
  products = await catalog.server.prisma.product.findMany({ orderBy: { sku: 'desc' } });
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await catalog?.stop();
  await streams?.close();
});

async function productWithStock(target: TestCatalog, stock: number): Promise<Product> {
  const product = products[nextProduct++]!;
  return target.server.prisma.product.update({ where: { id: product.id }, data: { stockQuantity: stock } });
}

const stockOf = async (target: TestCatalog, product: Pick<Product, 'id'>) =>
  (await target.server.prisma.product.findUniqueOrThrow({ where: { id: product.id } })).stockQuantity;

const placed = (productId: string, quantity: number, orderId = newId()) => ({
  orderId,
  buyerId: newId(),
  lines: [{ productId, quantity }],
});

describe('a poison event', () => {
  it('lands in the dead-letter stream after maxAttempts while the events after it are processed', async () => {
    const product = await productWithStock(catalog, 10);
    const malformed = await streams.publishOrderEvent('OrderPlaced', { orderId: 'not-a-uuid', lines: [] });
    await streams.redis.xadd(streams.streams.orders, '*', 'type', 'OrderPlaced', 'event', '{"not": "an envelope"');
    await streams.publishOrderEvent('OrderPlaced', placed(product.id, 2));
    await streams.publishOrderEvent('OrderPlaced', placed(product.id, 3));

    await waitFor('the good events to be applied', async () => (await stockOf(catalog, product)) === 5);
    const deadLetters = await waitFor('two dead letters', async () => {
      const letters = await streams.bus.deadLetters(streams.streams.orders);
      return letters.length === 2 && letters;
    });
    expect(deadLetters.map((letter) => letter.attempts)).toEqual([3, 3]);
    expect(deadLetters.map((letter) => letter.group)).toEqual([CATALOG_GROUP, CATALOG_GROUP]);
    const poisoned = deadLetters.find((letter) => letter.event.includes(malformed.id))!;
    expect(poisoned.error).toMatch(/orderId|uuid|buyerId/i);
    await waitFor(
      'the orders stream to be drained',
      async () => (await streams.bus.lag(streams.streams.orders, CATALOG_GROUP)) === 0,
    );

    const response = await fetch(new URL('/metrics', catalog.url));
    const text = await response.text();
    expect(text).toContain(`events_dead_letters{stream="${streams.streams.orders}",service="catalog"} 2`);
    expect(text).toContain(`events_stream_lag{stream="${streams.streams.orders}",group="catalog",service="catalog"} 0`);
    expect(text).toMatch(/events_outbox_backlog\{service="catalog"\} \d+/);
    expect(text).toContain('events_processed_total{type="OrderPlaced",outcome="failed",service="catalog"} 3');
    expect(text).toContain('events_processed_total{type="OrderPlaced",outcome="reserved",service="catalog"} 2');
  });
});

describe('a catalog stopped while events are pending', () => {
  it('loses nothing: the next instance on the same database and streams applies every event once', async () => {
    const ownStreams = await createTestStreams();
    cleanups.push(() => ownStreams.close());
    const first = await startTestCatalog({ events: eventsOptions(ownStreams, 'catalog-first') });
    cleanups.push(() => first.database.drop());
    const product = await first.server.prisma.product.update({
      where: { id: products[nextProduct++]!.id },
      data: { stockQuantity: 100 },
    });
    const orders: string[] = [];
    const publish = async (count: number) => {
      for (let index = 0; index < count; index += 1) {
        const orderId = newId();
        orders.push(orderId);
        await ownStreams.publishOrderEvent('OrderPlaced', placed(product.id, 1, orderId));
      }
    };

    // Some are taken while the first instance runs; it stops mid-stream.
    await publish(20);
    await waitFor('the first instance to apply some', async () => (await stockOf(first, product)) < 100);
    await first.server.stop();
    // More arrive while no catalog runs, and a consumer that crashes takes five of them and never acknowledges.
    await publish(20);
    const taken = await ownStreams.redis.xreadgroup(
      'GROUP',
      CATALOG_GROUP,
      'catalog-crashed',
      'COUNT',
      5,
      'STREAMS',
      ownStreams.streams.orders,
      '>',
    );
    expect((taken as Array<[string, unknown[]]>)[0]![1]).toHaveLength(5);

    const next = await startTestCatalog({ database: first.database, events: eventsOptions(ownStreams, 'catalog-next') });
    try {
      await waitFor('every order to be reserved', async () => (await stockOf(next, product)) === 60);
      await waitFor(
        'the orders stream to be drained',
        async () => (await ownStreams.bus.lag(ownStreams.streams.orders, CATALOG_GROUP)) === 0,
      );
      const reservations = await next.server.prisma.stockReservation.findMany({ where: { orderId: { in: orders } } });
      expect(reservations.map((row) => row.status)).toEqual(Array(40).fill('RESERVED'));
      expect(await next.server.prisma.processedEvent.count()).toBe(40);

      // Whatever the first instance left in its outbox, the next one's relay publishes.
      const answers = await waitFor('40 StockReserved', async () => {
        await next.server.relay!.flush();
        const events = (await ownStreams.catalogEvents()).filter((event) => event.type === 'StockReserved');
        return events.length >= 40 && events;
      });
      expect(new Set(answers.map((event) => catalogEvents.payloadOf(event, 'StockReserved').orderId))).toEqual(new Set(orders));
      expect(await ownStreams.bus.deadLetters(ownStreams.streams.orders)).toEqual([]);
      expect(await stockOf(next, product)).toBe(60);
    } finally {
      await next.server.stop();
    }
  });
});

describe('admin changes', () => {
  const PAYLOAD = 'product { id stockQuantity } userErrors { field code }';
  const UPDATE = `mutation ($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { ${PAYLOAD} } }`;
  let token: string;
  /**
   * A catalog without events: it writes the outbox but nothing publishes it, so the rows keep
   * the id of the transaction that wrote them (xmin) for comparing with the product's.
   */
  let plain: TestCatalog;
  const send = (target: TestCatalog, query: string, variables: Record<string, unknown>, requestId: string) =>
    graphql(target.url, query, variables, { token, headers: { 'x-request-id': requestId } });

  beforeAll(async () => {
    token = await accessTokenFor(admin);
    plain = await startTestCatalog();
    cleanups.push(() => plain.stop());
  });

  /** Outbox rows about `productId`, with the id of the transaction that wrote them. */
  async function outboxRows(target: TestCatalog, productId: string) {
    return target.server.prisma.$queryRaw<Array<{ id: string; event: Envelope; xmin: string; published: boolean }>>`
      SELECT id, event, xmin::text AS xmin, published_at IS NOT NULL AS published
      FROM outbox_events WHERE event->'payload'->>'productId' = ${productId} ORDER BY sequence`;
  }

  const productXmin = async (productId: string) =>
    (
      await plain.server.prisma.$queryRaw<
        Array<{ xmin: string }>
      >`SELECT xmin::text AS xmin FROM products WHERE id = ${productId}::uuid`
    )[0]!.xmin;

  it('updateProduct writes ProductChanged in the transaction of the change', async () => {
    const product = products[nextProduct++]!;
    const response = await send(
      plain,
      UPDATE,
      { id: product.id, input: { priceAmount: product.priceAmount + 100, name: `${product.name} II` } },
      'req-update-1',
    );
    expect(response.body.data!.updateProduct.userErrors).toEqual([]);

    const [row, ...more] = await outboxRows(plain, product.id);
    expect(more).toEqual([]);
    expect(row!.xmin).toBe(await productXmin(product.id));
    expect(row!.published).toBe(false);
    expect(row!.event).toMatchObject({ id: row!.id, type: 'ProductChanged', version: 1, requestId: 'req-update-1' });
    expect(catalogEvents.payloadOf(row!.event, 'ProductChanged')).toEqual({
      productId: product.id,
      changes: ['price', 'content'],
    });
  });

  it('the relay publishes the events of admin changes and marks them published', async () => {
    const product = products[nextProduct++]!;
    const response = await send(catalog, UPDATE, { id: product.id, input: { stockQuantity: 11 } }, 'req-update-2');
    expect(response.body.data!.updateProduct.userErrors).toEqual([]);

    const published = await waitFor('the event on the catalog stream', async () => {
      await catalog.server.relay!.flush();
      return (await streams.catalogEvents()).find((event) => event.requestId === 'req-update-2');
    });
    expect(catalogEvents.payloadOf(published, 'ProductChanged')).toEqual({
      productId: product.id,
      changes: ['stock'],
      stockQuantity: 11,
    });
    const [row, ...more] = await outboxRows(catalog, product.id);
    expect(more).toEqual([]);
    expect(row).toMatchObject({ id: published.id, event: published, published: true });
  });

  it('names only what changed, and a change that fails or changes nothing writes no event', async () => {
    const product = products[nextProduct++]!;
    const other = products[nextProduct++]!;

    const taken = await send(plain, UPDATE, { id: product.id, input: { slug: other.slug, stockQuantity: 3 } }, 'req-taken');
    expect(taken.body.data!.updateProduct.userErrors).toEqual([{ field: 'slug', code: 'SLUG_TAKEN' }]);
    const same = await send(
      plain,
      UPDATE,
      { id: product.id, input: { name: product.name, priceAmount: product.priceAmount } },
      'req-same',
    );
    expect(same.body.data!.updateProduct.userErrors).toEqual([]);
    expect(await outboxRows(plain, product.id)).toEqual([]);

    await send(plain, UPDATE, { id: product.id, input: { stockQuantity: 42 } }, 'req-stock');
    const adjusted = await send(
      plain,
      `mutation ($id: ID!, $delta: Int!) { adjustStock(id: $id, delta: $delta) { ${PAYLOAD} } }`,
      { id: product.id, delta: -2 },
      'req-adjust',
    );
    expect(adjusted.body.data!.adjustStock.product.stockQuantity).toBe(40);
    const refused = await send(
      plain,
      `mutation ($id: ID!, $delta: Int!) { adjustStock(id: $id, delta: $delta) { ${PAYLOAD} } }`,
      { id: product.id, delta: -100 },
      'req-refused',
    );
    expect(refused.body.data!.adjustStock.userErrors).toEqual([{ field: 'delta', code: 'INSUFFICIENT_STOCK' }]);

    const rows = await outboxRows(plain, product.id);
    expect(rows.map((row) => [row.event.requestId, row.event.payload])).toEqual([
      ['req-stock', { productId: product.id, changes: ['stock'], stockQuantity: 42 }],
      ['req-adjust', { productId: product.id, changes: ['stock'], stockQuantity: 40 }],
    ]);
    expect(rows[1]!.xmin).toBe(await productXmin(product.id));
  });

  it('createProduct announces the new product', async () => {
    const category = await plain.server.prisma.category.findFirstOrThrow();
    const response = await send(
      plain,
      `mutation ($input: CreateProductInput!) { createProduct(input: $input) { ${PAYLOAD} } }`,
      {
        input: {
          sku: 'EVT-1',
          slug: 'event-lamp',
          name: 'Event lamp',
          description: 'Bright.',
          priceAmount: 1999,
          stockQuantity: 7,
          categoryId: category.id,
        },
      },
      'req-create',
    );
    const created = response.body.data!.createProduct.product;
    const [row] = await outboxRows(plain, created.id);
    expect(row!.xmin).toBe(await productXmin(created.id));
    expect(row!.event.payload).toEqual({ productId: created.id, changes: ['stock', 'price', 'content'], stockQuantity: 7 });
  });
});
