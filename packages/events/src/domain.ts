import { retentionDeletedCounter, startEventRetention } from './retention.js';
import { hostname } from 'node:os';
import type pg from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { EventBus, Subscription } from './bus.js';
import type { EventType, PayloadSchemas } from './contracts.js';
import type { Envelope } from './envelope.js';
import { outboxBacklog, startOutboxRelay, type Relay } from './outbox.js';

/** What the event flow needs of the contract of the stream it consumes. */
interface ConsumedContract {
  payloads: PayloadSchemas;
  has(type: string): boolean;
}

/** How a domain service takes part in events; without it, its outbox is written but nothing moves. */
export interface DomainEventsOptions {
  bus: EventBus;
  /** Prefix of the stream names (EVENT_STREAM_PREFIX), keeping stacks on one Redis apart. */
  streamPrefix?: string;
  /** This instance's name in its consumer group; host and pid by default. */
  consumer?: string;
  /** How often the outbox relay looks for unpublished events when idle. */
  relayIntervalMs?: number;
  /** Deliveries before a failing event is dead-lettered. */
  maxAttempts?: number;
  /** How long a failed or abandoned event waits before it is delivered again (to any instance). */
  retryAfterMs?: number;
  /** Deletes published outbox rows and processed-event ids past an age (EVENT_RETENTION_*); none when omitted. */
  retention?: { maxAgeSeconds: number; intervalMs: number };
}

/** Applies one event type of a contract; resolves with an outcome label for metrics and logs (`applied`, `duplicate`, ...). */
export type EventHandlers<Contract extends { payloads: PayloadSchemas }> = Partial<
  Record<EventType<Contract>, (event: Envelope) => Promise<string>>
>;

interface EventMetrics {
  processed: Counter<'type' | 'outcome'>;
  published: Counter;
  retentionDeleted: Counter<'table'>;
}

/** Reads made while /metrics is scraped must not hang the scrape. */
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
 * The event series of a domain service on /metrics: its outbox backlog, the lag and dead
 * letters of the stream it consumes (read when scraped; a failed read is logged and skipped),
 * and the events it published and applied.
 */
export function registerEventMetrics(
  registry: Registry,
  options: { pool: pg.Pool; consumed?: { bus: EventBus; stream: string; group: string }; logger: Logger },
): EventMetrics {
  const { pool, consumed, logger } = options;
  const registers = [registry];
  const scrape = async (metric: string, read: () => Promise<void>) => {
    try {
      await withTimeout(read());
    } catch (error) {
      logger.warn({ err: error, metric }, 'could not read an event metric');
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
  if (consumed) {
    const { bus, stream, group } = consumed;
    new Gauge({
      name: 'events_stream_lag',
      help: 'Events of a stream not yet acknowledged by a consumer group (unread plus pending).',
      labelNames: ['stream', 'group'] as const,
      registers,
      async collect() {
        await scrape('events_stream_lag', async () => this.set({ stream, group }, await bus.lag(stream, group)));
      },
    });
    new Gauge({
      name: 'events_dead_letters',
      help: "Events this service's consumer group gave up on, waiting in the stream's dead letters.",
      labelNames: ['stream'] as const,
      registers,
      async collect() {
        await scrape('events_dead_letters', async () =>
          this.set({ stream }, (await bus.deadLetters(stream)).filter((letter) => letter.group === group).length),
        );
      },
    });
  }
  return {
    processed: new Counter({
      name: 'events_processed_total',
      help: 'Consumed events by type and outcome (failed ones are retried, then dead-lettered).',
      labelNames: ['type', 'outcome'] as const,
      registers,
    }),
    published: new Counter({ name: 'events_published_total', help: 'Outbox events this instance published.', registers }),
    retentionDeleted: retentionDeletedCounter(registry),
  };
}

export interface DomainEvents {
  relay: Relay;
  /** Stops consuming (the handler in flight finishes), then publishing. Leaves the bus open. */
  stop(): Promise<void>;
}

/**
 * Runs a domain service's side of the event flow: the relay publishing its outbox, and its
 * consumer group on the stream it listens to. Events without a handler are acknowledged and
 * ignored; a handler that throws (malformed payload, database away) gets the event again
 * after `retryAfterMs`, and after `maxAttempts` it goes to the dead letters.
 */
export function startDomainEvents<Contract extends ConsumedContract>(options: {
  events: DomainEventsOptions;
  pool: pg.Pool;
  /** The stream it listens to, written by the domain whose `contract` it is. */
  consumes: { stream: string; group: string; contract: Contract };
  handlers: EventHandlers<Contract>;
  metrics: EventMetrics;
  logger: Logger;
}): DomainEvents {
  const { events, pool, consumes, handlers, metrics, logger } = options;
  const relay = startOutboxRelay({
    pool,
    bus: events.bus,
    ...(events.relayIntervalMs !== undefined ? { intervalMs: events.relayIntervalMs } : {}),
    onError: (error) => logger.warn({ err: error }, 'outbox relay round failed; retrying'),
    onPublished: (count) => metrics.published.inc(count),
  });

  const handle = async (event: Envelope): Promise<void> => {
    const known = consumes.contract.has(event.type);
    const type = known ? event.type : 'unknown';
    const apply: ((event: Envelope) => Promise<string>) | undefined = known
      ? handlers[event.type as EventType<Contract>]
      : undefined;
    let outcome = 'ignored';
    try {
      if (apply) outcome = await apply(event);
    } catch (error) {
      metrics.processed.inc({ type, outcome: 'failed' });
      logger.warn(
        { err: error, eventId: event.id, type: event.type, requestId: event.requestId },
        'event failed; it will be retried',
      );
      throw error;
    }
    metrics.processed.inc({ type, outcome });
    if (apply) logger.info({ eventId: event.id, type: event.type, outcome, requestId: event.requestId }, 'event processed');
  };

  const retention = events.retention
    ? startEventRetention({
        pool,
        ...events.retention,
        deleted: metrics.retentionDeleted,
        onError: (error) => logger.warn({ err: error }, 'event retention sweep failed; retrying at the next'),
      })
    : undefined;

  const subscription: Subscription = events.bus.subscribe({
    stream: consumes.stream,
    group: consumes.group,
    consumer: events.consumer ?? `${hostname()}-${process.pid}`,
    handler: handle,
    ...(events.maxAttempts !== undefined ? { maxAttempts: events.maxAttempts } : {}),
    ...(events.retryAfterMs !== undefined ? { retryAfterMs: events.retryAfterMs } : {}),
  });

  return {
    relay,
    async stop() {
      // The consumer first: a handler finishing now may still write outbox rows to publish.
      await subscription.stop();
      await relay.stop();
      await retention?.stop();
    },
  };
}

/** A domain service's events over its server's life, as `domainEventsWhenReady` returns them. */
export interface DomainEventsLifecycle {
  /** Starts the relay and the consumer once `whenReady` lets them; again while waiting or running does nothing. */
  start(): Promise<void>;
  /** Stops waiting, then the consumer and the relay (before the pool closes: they use it). */
  stop(): Promise<void>;
  /** The outbox relay while events run (tests `flush()` it). */
  readonly relay: Relay | undefined;
}

/**
 * The event wiring every domain subgraph has: its event series registered on /metrics now, and
 * its relay and consumer started by `start()` only when `whenReady` calls back (a subgraph waits
 * for its database to have this build's migrations). Without `events` (no bus) only the outbox
 * series exist and `start()` does nothing.
 */
export function domainEventsWhenReady<Contract extends ConsumedContract>(options: {
  events: DomainEventsOptions | undefined;
  pool: pg.Pool;
  consumes: { stream: string; group: string; contract: Contract };
  handlers: EventHandlers<Contract>;
  registry: Registry;
  logger: Logger;
  /** Calls `start` when the service may run events (now or later); resolves with a function that stops waiting. */
  whenReady: (start: () => void) => Promise<() => void>;
}): DomainEventsLifecycle {
  const { events, pool, consumes, handlers, registry, logger, whenReady } = options;
  const metrics = registerEventMetrics(registry, {
    pool,
    ...(events ? { consumed: { bus: events.bus, stream: consumes.stream, group: consumes.group } } : {}),
    logger,
  });
  let running: DomainEvents | undefined;
  let stopWaiting: (() => void) | undefined;
  return {
    async start() {
      if (!events || running || stopWaiting) return;
      stopWaiting = await whenReady(() => {
        running = startDomainEvents({ events, pool, consumes, handlers, metrics, logger });
      });
    },
    async stop() {
      stopWaiting?.();
      stopWaiting = undefined;
      await running?.stop();
      running = undefined;
    },
    get relay() {
      return running?.relay;
    },
  };
}
