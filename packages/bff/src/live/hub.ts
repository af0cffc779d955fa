import type { Broadcast, Envelope, EventBus } from '@storefront/events';
import type { Logger } from '@storefront/http-server';
import { Counter, Gauge, type Registry } from 'prom-client';

export type LiveListener = (event: Envelope) => void;

/** A stream of domain events, as a contract names it (`prefix`: EVENT_STREAM_PREFIX). */
export interface FollowedStream {
  stream(prefix?: string): string;
}

/**
 * The sign-in sessions' event contract, which the BFFs both write and hear: `logOut` writes
 * `SessionEnded`, and every instance ends the live streams that session opened (see feed.ts).
 */
export interface SessionEvents extends FollowedStream {
  event(type: 'SessionEnded', payload: { sessionId: string; userId: string }): Envelope;
}

/** Prometheus series of live updates, one set per BFF. */
export function liveMetrics(registry: Registry, clientType: string) {
  const labels = { client: clientType };
  return {
    connections: new Gauge({
      name: 'bff_live_connections',
      help: 'Open subscription connections (SSE streams or WebSockets).',
      labelNames: ['client'],
      registers: [registry],
    }).labels(labels),
    subscriptions: new Gauge({
      name: 'bff_live_subscriptions',
      help: 'Active subscriptions.',
      labelNames: ['client'],
      registers: [registry],
    }).labels(labels),
    delivered: new Counter({
      name: 'bff_live_payloads_delivered_total',
      help: 'Subscription payloads sent to clients.',
      labelNames: ['client'],
      registers: [registry],
    }).labels(labels),
    dropped: new Counter({
      name: 'bff_live_dropped_total',
      help: 'Subscriptions or connections ended by the server: slow consumer, limit, expired or ended session.',
      labelNames: ['client', 'reason'],
      registers: [registry],
    }),
    events: new Counter({
      name: 'bff_live_events_received_total',
      help: 'Domain events received by broadcast.',
      labelNames: ['client'],
      registers: [registry],
    }).labels(labels),
  };
}

export type LiveMetrics = ReturnType<typeof liveMetrics>;

/**
 * The domain events as this BFF instance hears them: one broadcast subscription per process
 * (not a consumer group, so every instance hears every event), fanned out in memory to the
 * live subscriptions it serves. It is attached before the server accepts a subscription, so a
 * subscription that registers its listener and then reads the current state misses nothing.
 */
export class LiveEvents {
  private readonly listeners = new Set<LiveListener>();
  private broadcast: Broadcast | undefined;

  constructor(
    private readonly options: {
      bus: EventBus;
      streamPrefix?: string | undefined;
      /** The domains whose events may change what a subscription shows. */
      domains: readonly FollowedStream[];
      sessions: SessionEvents;
      logger: Logger;
      metrics: LiveMetrics;
    },
  ) {}

  async start(): Promise<void> {
    this.broadcast = this.options.bus.broadcast({
      streams: [...this.options.domains, this.options.sessions].map((contract) => contract.stream(this.options.streamPrefix)),
      handler: (event) => {
        this.options.metrics.events.inc();
        for (const listener of this.listeners) {
          try {
            listener(event);
          } catch (error) {
            this.options.logger.error({ err: error, eventId: event.id }, 'live listener failed');
          }
        }
      },
      onMalformed: (stream, error) => this.options.logger.warn({ stream, err: error }, 'malformed event skipped by live updates'),
    });
    await this.broadcast.ready;
  }

  /** Hears every event from now on until the returned function is called. */
  listen(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Tells every instance that a sign-in session ended, so the streams it opened end too. */
  async sessionEnded(viewer: { id: string; sessionId?: string | undefined }): Promise<void> {
    if (!viewer.sessionId) return;
    await this.options.bus.publish(
      this.options.sessions.stream(this.options.streamPrefix),
      this.options.sessions.event('SessionEnded', { sessionId: viewer.sessionId, userId: viewer.id }),
    );
  }

  async stop(): Promise<void> {
    this.listeners.clear();
    await this.broadcast?.stop();
  }
}
