import { orderEvents, type OrderEventPayload, type OrderEventType } from '@storefront/orders-events';
import type { Prisma } from './generated/prisma/client.js';

/**
 * An `outbox_events` row for one event, to insert in the same transaction as the change it
 * describes. The payload is checked against the event's contract here, so this service never
 * publishes an event its consumers would refuse.
 */
export function outboxEvent<Type extends OrderEventType>(
  stream: string,
  type: Type,
  payload: OrderEventPayload<Type>,
  requestId: string | undefined,
): Prisma.OutboxEventCreateInput {
  orderEvents.payloads[type].parse(payload); // throws on a payload the contract refuses
  const event = orderEvents.event(type, payload, requestId);
  return { id: event.id, stream, event };
}
