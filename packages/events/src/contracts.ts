import type { z } from 'zod';
import { envelope, type Envelope } from './envelope.js';

/** Payload schemas by event type: what a domain's contract package hands to `defineEvents`. */
export type PayloadSchemas = Record<string, z.ZodType>;

/**
 * The events one domain writes to its stream, as its consumers may rely on them. Each domain
 * defines its own in its contract package; consumers validate payloads with it, so an event that
 * does not parse is a poison message for the dead letters, never a half-applied change.
 */
export interface EventContract<Schemas extends PayloadSchemas = PayloadSchemas> {
  /** The stream the owning domain writes; `prefix` (EVENT_STREAM_PREFIX) keeps stacks that share one Redis apart. */
  stream(prefix?: string): string;
  /** The schema version this code writes and understands. */
  readonly version: number;
  readonly payloads: Schemas;
  /** Whether `type` is one of this contract's events. */
  has(type: string): type is keyof Schemas & string;
  /** The payload of `event` when it is of `type` (and a version this code understands). */
  payloadOf<Type extends keyof Schemas & string>(event: Envelope, type: Type): z.infer<Schemas[Type]>;
  /** A new event of `type`, in the envelope every consumer expects. */
  event<Type extends keyof Schemas & string>(
    type: Type,
    payload: z.infer<Schemas[Type]>,
    requestId?: string,
  ): Envelope<z.infer<Schemas[Type]>>;
}

/** The event types of a contract. */
export type EventType<Contract extends { payloads: PayloadSchemas }> = keyof Contract['payloads'] & string;

/** The payload of one event type of a contract. */
export type EventPayload<Contract extends { payloads: PayloadSchemas }, Type extends EventType<Contract>> = z.infer<
  Contract['payloads'][Type]
>;

/** A domain's event contract: the name of the stream it writes (without prefix) and its payloads. */
export function defineEvents<Schemas extends PayloadSchemas>(
  streamName: string,
  payloads: Schemas,
  version = 1,
): EventContract<Schemas> {
  const has = (type: string): type is keyof Schemas & string => Object.hasOwn(payloads, type);
  return {
    stream: (prefix = '') => `${prefix}${streamName}`,
    version,
    payloads,
    has,
    payloadOf(event, type) {
      if (event.type !== type) throw new Error(`expected ${type}, got ${event.type}`);
      if (event.version !== version) throw new Error(`${type} version ${event.version} is not supported`);
      return payloads[type]!.parse(event.payload) as z.infer<Schemas[typeof type]>;
    },
    event(type, payload, requestId) {
      return envelope(type, payload, { version, ...(requestId ? { requestId } : {}) });
    },
  };
}
