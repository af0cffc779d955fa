import os from 'node:os';
import {
  isEventType,
  outboxBacklog,
  startOutboxRelay,
  type Envelope,
  type EventBus,
  type Relay,
  type RelayOptions,
  type Subscription,
} from '@storefront/events';
import type { Logger, ServiceMetrics } from '@storefront/server';
import { Counter, Gauge } from 'prom-client';
import type { PrismaClient } from './generated/prisma/client.js';
import { StockReservations, type ReservationOutcome } from './reservations.js';

type Pool = RelayOptions['pool'];

/** The consumer group of every catalog instance on the orders stream: they share its events. */
export const CATALOG_GROUP = 'catalog';

/** How the catalog takes part in events; without it the outbox is written but nothing is published or consumed. */
export interface CatalogEventsOptions {
  bus: EventBus;
  /** Prefix of the stream names (EVENT_STREAM_PREFIX), keeping stacks on one Redis apart. */
  streamPrefix?: string;
  /** This instance's name in the consumer group; hostname and pid by default. */
  consumer?: string;
  /** How often the outbox relay looks for unpublished events. */
  relayIntervalMs?: number;
  /** Deliveries before a failing event is dead-lettered. */
  maxAttempts?: number;
  /** How long a failed or abandoned event waits before it is tried again (by any instance). */
  retryAfterMs?: number;
}

export interface EventStreams {
  orders: string;
  catalog: string;
}

export type EventOutcome = ReservationOutcome | 'ignored' | 'failed';

export interface EventMetrics {
  processed: Counter<'type' | 'outcome'>;
}

/** Bus and database calls made while /metrics is scraped must not hang the scrape. */
async function withTimeout<Value>(promise: Promise<Value>, ms = 2_000): Promise<Value> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The event series on /metrics: outbox backlog, lag and dead letters of the stream catalog
 * consumes (read when scraped; a failed read keeps the last value), and events applied.
 */
export function registerEventMetrics(metrics: ServiceMetrics, options: { bus: EventBus; pool: Pool; streams: EventStreams; logger: Logger }): EventMetrics {
  const { bus, pool, streams, logger } = options;
  const registers = [metrics.registry];
  const scrape = async (name: string, read: () => Promise<void>) => {
    try {
      await withTimeout(read());
    } catch (error) {
      logger.warn({ err: error, metric: name }, 'could not read an event metric');
    }
  };
  new Gauge({
    name: 'events_outbox_backlog',
    help: 'Outbox events not yet published.',
    registers,
    async collect() {
      await scrape('events_outbox_backlog', async () => this.set(await outboxBacklog(pool)));
    },
  });
  new Gauge({
    name: 'events_stream_lag',
    help: 'Events of a stream not yet acknowledged by a consumer group (unread plus pending).',
    labelNames: ['stream', 'group'] as const,
    registers,
    async collect() {
      await scrape('events_stream_lag', async () => this.set({ stream: streams.orders, group: CATALOG_GROUP }, await bus.lag(streams.orders, CATALOG_GROUP)));
    },
  });
  new Gauge({
    name: 'events_dead_letters',
    help: 'Events in the dead-letter stream of a consumed stream.',
    labelNames: ['stream'] as const,
    registers,
    async collect() {
      await scrape('events_dead_letters', async () => this.set({ stream: streams.orders }, (await bus.deadLetters(streams.orders)).length));
    },
  });
  return {
    processed: new Counter({
      name: 'events_processed_total',
      help: 'Events consumed, by type and outcome (failed ones are retried, then dead-lettered).',
      labelNames: ['type', 'outcome'] as const,
      registers,
    }),
  };
}

export interface CatalogEvents {
  relay: Relay;
  /** Stops consuming (the handler in flight finishes) and publishing. Leaves the bus open. */
  stop(): Promise<void>;
}

/**
 * Starts the outbox relay and the orders-stream consumer. Events are acknowledged only after
 * their transaction committed; an event that throws (a malformed payload, the database away)
 * is retried after `retryAfterMs` and dead-lettered after `maxAttempts`.
 */
export function startCatalogEvents(options: {
  events: CatalogEventsOptions;
  streams: EventStreams;
  prisma: PrismaClient;
  pool: Pool;
  metrics: EventMetrics;
  logger: Logger;
}): CatalogEvents {
  const { events, streams, prisma, pool, metrics, logger } = options;
  const reservations = new StockReservations(prisma, streams.catalog);

  const relay = startOutboxRelay({
    pool,
    bus: events.bus,
    ...(events.relayIntervalMs ? { intervalMs: events.relayIntervalMs } : {}),
    onError: (error) => logger.warn({ err: error }, 'outbox relay round failed; retrying'),
    onPublished: (count) => logger.debug({ count }, 'outbox events published'),
  });

  const handle = async (event: Envelope): Promise<void> => {
    const type = isEventType(event.type) ? event.type : 'unknown';
    let outcome: EventOutcome;
    try {
      switch (event.type) {
        case 'OrderPlaced':
          outcome = await reservations.orderPlaced(event);
          break;
        case 'OrderCancelled':
          outcome = await reservations.orderCancelled(event);
          break;
        default:
          // Other order events (OrderConfirmed, ...) are for other consumers.
          outcome = 'ignored';
      }
    } catch (error) {
      metrics.processed.inc({ type, outcome: 'failed' });
      logger.warn({ err: error, eventId: event.id, type: event.type, requestId: event.requestId }, 'event failed; it will be retried');
      throw error;
    }
    metrics.processed.inc({ type, outcome });
    if (outcome !== 'ignored') logger.info({ eventId: event.id, type: event.type, outcome, requestId: event.requestId }, 'event applied');
  };

  const subscription: Subscription = events.bus.subscribe({
    stream: streams.orders,
    group: CATALOG_GROUP,
    consumer: events.consumer ?? `${os.hostname()}-${process.pid}`,
    handler: handle,
    ...(events.maxAttempts ? { maxAttempts: events.maxAttempts } : {}),
    ...(events.retryAfterMs ? { retryAfterMs: events.retryAfterMs } : {}),
  });

  return {
    relay,
    async stop() {
      await subscription.stop();
      await relay.stop();
    },
  };
}
