import { z } from 'zod';
import type { Envelope } from './envelope.js';

/**
 * The events of the shop and their payloads (schema version 1). Consumers validate payloads
 * with these schemas: an event that does not parse is a poison message for the dead letters,
 * never a half-applied change.
 */
const line = z.object({ productId: z.uuid(), quantity: z.number().int().positive() });

export const eventPayloads = {
  /** orders → catalog (reserve stock), BFFs (the buyer's cached orders). */
  OrderPlaced: z.object({ orderId: z.uuid(), buyerId: z.uuid(), lines: z.array(line).min(1) }),
  /** orders → catalog (release reserved stock), BFFs. */
  OrderCancelled: z.object({ orderId: z.uuid(), buyerId: z.uuid(), reason: z.string() }),
  /** orders → BFFs: stock was reserved, the order is CONFIRMED. */
  OrderConfirmed: z.object({ orderId: z.uuid(), buyerId: z.uuid() }),
  /** orders → BFFs: stock ran out, the order is CANCELLED with `reason`. */
  OrderRejected: z.object({ orderId: z.uuid(), buyerId: z.uuid(), reason: z.string() }),
  /** catalog → orders: every line of the order is reserved. */
  StockReserved: z.object({ orderId: z.uuid() }),
  /** catalog → orders: nothing was reserved; `productId` is a line that could not be served. */
  StockReservationFailed: z.object({ orderId: z.uuid(), reason: z.string(), productId: z.uuid().optional() }),
  /** catalog → BFFs: a product's stock, price or content changed. */
  ProductChanged: z.object({
    productId: z.uuid(),
    changes: z.array(z.enum(['stock', 'price', 'content'])).min(1),
    stockQuantity: z.number().int().min(0).optional(),
  }),
  /** BFFs → BFFs: a sign-in session ended (logOut); every instance ends the live streams it opened. */
  SessionEnded: z.object({ sessionId: z.uuid(), userId: z.uuid() }),
} as const;

export type EventType = keyof typeof eventPayloads;
export type EventPayload<Type extends EventType> = z.infer<(typeof eventPayloads)[Type]>;

export const EVENT_VERSION = 1;

/** The payload of `event` when it is of `type` (and a version this code understands). */
export function payloadOf<Type extends EventType>(event: Envelope, type: Type): EventPayload<Type> {
  if (event.type !== type) throw new Error(`expected ${type}, got ${event.type}`);
  if (event.version !== EVENT_VERSION) throw new Error(`${type} version ${event.version} is not supported`);
  return eventPayloads[type].parse(event.payload) as EventPayload<Type>;
}

export function isEventType(type: string): type is EventType {
  return type in eventPayloads;
}
