import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  isEventType,
  outboxBacklog,
  payloadOf,
  startOutboxRelay,
  type EventBus,
  type Handler,
  type Relay,
  type Subscription,
} from '@storefront/events';
import type { Logger } from '@storefront/server';
import { Counter, Gauge, type Registry } from 'prom-client';
import type pg from 'pg';
import type { EventOutcome, OrdersService } from './service.js';

/** The consumer group orders reads the catalog's stream with; its instances share the work. */
export const ORDERS_GROUP = 'orders';

export interface OrdersEventsOptions {
  bus: EventBus;
  /** Defaults to the config's EVENT_STREAM_PREFIX. */
  streamPrefix?: string;
  /** This instance's name in the consumer group; unique per process by default. */
  consumer?: string;
  /** How often the outbox relay looks for unpublished events when idle. */
  relayIntervalMs?: number;
  /** Deliveries before a failing event is dead-lettered. */
  maxAttempts?: number;
  /** How long a failed or abandoned event waits before it is delivered again. */
  retryAfterMs?: number;
}

export type ProcessedOutcome = EventOutcome | 'ignored' | 'failed';

export interface EventMetrics {
  processed: Counter<'type' | 'outcome'>;
  published: Counter;
}

/**
 * The event series on /metrics. The outbox backlog is read on every scrape, as are the lag and
 * dead letters of the stream this service consumes (only when a bus is running).
 */
export function createEventMetrics(
  registry: Registry,
  options: { pool: pg.Pool; consumed?: { bus: EventBus; stream: string; group: string }; onError: (error: unknown) => void },
): EventMetrics {
  const { pool, consumed, onError } = options;
  new Gauge({
    name: 'events_outbox_backlog',
    help: 'Outbox events not yet published.',
    registers: [registry],
    async collect() {
      try {
        this.set(await outboxBacklog(pool));
      } catch (error) {
        onError(error);
      }
    },
  });
  if (consumed) {
    const { bus, stream, group } = consumed;
    new Gauge({
      name: 'events_stream_lag',
      help: 'Events of a stream not yet acknowledged by a consumer group (never delivered or pending).',
      labelNames: ['stream', 'group'] as const,
      registers: [registry],
      async collect() {
        try {
          this.set({ stream, group }, await bus.lag(stream, group));
        } catch (error) {
          onError(error);
        }
      },
    });
    new Gauge({
      name: 'events_dead_letters',
      help: "Events this service's consumer group gave up on, waiting in the stream's dead letters.",
      labelNames: ['stream'] as const,
      registers: [registry],
      async collect() {
        try {
          const letters = await bus.deadLetters(stream);
          this.set({ stream }, letters.filter((letter) => letter.group === group).length);
        } catch (error) {
          onError(error);
        }
      },
    });
  }
  return {
    processed: new Counter({
      name: 'events_processed_total',
      help: 'Consumed events by type and outcome (applied, duplicate, skipped, ignored, failed).',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
    published: new Counter({
      name: 'events_published_total',
      help: 'Outbox events the relay of this instance published.',
      registers: [registry],
    }),
  };
}

/**
 * Applies the catalog's answers to OrderPlaced: `StockReserved` confirms the order,
 * `StockReservationFailed` cancels it with the catalog's reason, each exactly once (see
 * `OrdersService.applyOnce`). Other events on the stream are acknowledged and ignored; a
 * malformed payload throws, so the bus retries it and then dead-letters it.
 */
export function stockEventHandler(orders: OrdersService, metrics: EventMetrics, logger: Logger): Handler {
  return async (event) => {
    const type = isEventType(event.type) ? event.type : 'unknown';
    let outcome: ProcessedOutcome;
    try {
      switch (event.type) {
        case 'StockReserved': {
          const { orderId } = payloadOf(event, 'StockReserved');
          outcome = await orders.confirmReserved(event.id, orderId.toLowerCase(), event.requestId);
          break;
        }
        case 'StockReservationFailed': {
          const { orderId, reason } = payloadOf(event, 'StockReservationFailed');
          outcome = await orders.rejectUnreserved(event.id, orderId.toLowerCase(), reason, event.requestId);
          break;
        }
        default:
          outcome = 'ignored';
      }
    } catch (error) {
      metrics.processed.inc({ type, outcome: 'failed' });
      logger.warn({ err: error, eventId: event.id, type: event.type, requestId: event.requestId }, 'event failed; it will be retried');
      throw error;
    }
    metrics.processed.inc({ type, outcome });
    if (outcome !== 'ignored') {
      logger.info({ eventId: event.id, type: event.type, outcome, requestId: event.requestId }, 'event processed');
    }
  };
}

export interface RunningEvents {
  relay: Relay;
  subscription: Subscription;
  stop(): Promise<void>;
}

/** Starts the outbox relay and the consumer of the catalog's stream. */
export function startOrdersEvents(options: {
  events: OrdersEventsOptions;
  pool: pg.Pool;
  orders: OrdersService;
  catalogStream: string;
  metrics: EventMetrics;
  logger: Logger;
}): RunningEvents {
  const { events, pool, orders, metrics, logger } = options;
  const relay = startOutboxRelay({
    pool,
    bus: events.bus,
    ...(events.relayIntervalMs !== undefined ? { intervalMs: events.relayIntervalMs } : {}),
    onError: (error) => logger.warn({ err: error }, 'outbox relay failed; retrying'),
    onPublished: (count) => metrics.published.inc(count),
  });
  const subscription = events.bus.subscribe({
    stream: options.catalogStream,
    group: ORDERS_GROUP,
    consumer: events.consumer ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    handler: stockEventHandler(orders, metrics, logger),
    ...(events.maxAttempts !== undefined ? { maxAttempts: events.maxAttempts } : {}),
    ...(events.retryAfterMs !== undefined ? { retryAfterMs: events.retryAfterMs } : {}),
  });
  return {
    relay,
    subscription,
    async stop() {
      // The consumer first: a handler finishing now may still write outbox rows.
      await subscription.stop();
      await relay.stop();
    },
  };
}
