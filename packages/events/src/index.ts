export { tags, type CacheEffects, type CacheTag } from './cache-tags.js';
export { deadLetterStream, type Broadcast, type DeadLetter, type EventBus, type Subscription } from './bus.js';
export { envelope, parseEnvelope, type Envelope } from './envelope.js';
export { InProcessBus } from './memory-bus.js';
export { startOutboxRelay, type Relay } from './outbox.js';
export { RedisStreamsBus } from './redis-bus.js';

export { serveBusToChild } from './ipc-bus.js';

import { ParentProcessBus } from './ipc-bus.js';
import { InProcessBus } from './memory-bus.js';
import { RedisStreamsBus } from './redis-bus.js';
import type { EventBus } from './bus.js';
import type { RedisConnection } from '@storefront/redis';

/**
 * Redis Streams when Redis is configured (a server or a cluster); otherwise the in-process
 * bus of the `npm start` process that started this service (over IPC), or, for a service
 * started alone, one of its own.
 */
export function createEventBus(redis: RedisConnection | undefined): EventBus {
  if (redis) return new RedisStreamsBus(redis);
  return ParentProcessBus.available() ? new ParentProcessBus() : new InProcessBus();
}
export { defineEvents, type EventContract, type EventPayload, type EventType, type PayloadSchemas } from './contracts.js';
export {
  domainEventsWhenReady,
  registerEventMetrics,
  startDomainEvents,
  type DomainEvents,
  type DomainEventsLifecycle,
  type DomainEventsOptions,
  type EventHandlers,
} from './domain.js';
