import { EVENT_VERSION, envelope, eventPayloads, type EventPayload, type EventType } from '@storefront/events';
import type { Prisma } from './generated/prisma/client.js';

/**
 * An `outbox_events` row for one event, to insert in the same transaction as the change it
 * describes. The payload is checked against the event's contract here, so this service never
 * publishes an event its consumers would refuse.
 */
export function outboxEvent<Type extends EventType>(
  stream: string,
  type: Type,
  payload: EventPayload<Type>,
  requestId: string | undefined,
): Prisma.OutboxEventCreateInput {
  const event = envelope(type, eventPayloads[type].parse(payload), {
    version: EVENT_VERSION,
    ...(requestId ? { requestId } : {}),
  });
  return { id: event.id, stream, event: event };
}
