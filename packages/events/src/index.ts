export { deadLetterStream, type Broadcast, type BroadcastOptions, type DeadLetter, type EventBus, type Handler, type SubscribeOptions, type Subscription } from './bus.js';
export { envelope, envelopeSchema, parseEnvelope, type Envelope } from './envelope.js';
export { InProcessBus } from './memory-bus.js';
export { PROCESSED_TABLE, deleteExpiredEvents, retentionDeletedCounter, startEventRetention, type EventRetentionOptions } from './retention.js';
export { OUTBOX_TABLE, outboxBacklog, startOutboxRelay, type Relay, type RelayOptions } from './outbox.js';
export { RedisStreamsBus } from './redis-bus.js';

export { ParentProcessBus, serveBusToChild } from './ipc-bus.js';

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
  registerEventMetrics,
  startDomainEvents,
  type DomainEvents,
  type DomainEventsOptions,
  type EventHandlers,
  type EventMetrics,
} from './domain.js';
