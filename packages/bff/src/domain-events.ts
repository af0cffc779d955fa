import type { CacheEffects, EventBus } from '@storefront/events';
import type { SessionEvents } from './live/hub.js';

/** What a BFF hands its runtime of the domains' events: the runtime itself names no domain. */
export interface BffDomainEvents {
  /**
   * The domains this BFF follows, each as its contract package states its effects: their events
   * drop the cached responses they make stale and wake the live subscriptions they concern.
   */
  followed: readonly CacheEffects[];
  /** The sign-in sessions' events: `logOut` ends the session's live streams on every instance. */
  sessions: SessionEvents;
}

/** Where the domain events come from: the bus, and this instance's place on it. */
export interface BffEvents {
  bus: EventBus;
  streamPrefix?: string | undefined;
  /** This instance's name in its consumer group; defaults to host and pid. */
  consumer?: string;
  retryAfterMs?: number;
}
