import { keyInSlotOf } from '@storefront/redis';
import type { Envelope } from './envelope.js';

export type Handler = (event: Envelope) => Promise<void>;

export interface SubscribeOptions {
  stream: string;
  /** Consumers of one group share the work; each group gets every event. */
  group: string;
  /** This instance's name within the group. */
  consumer: string;
  handler: Handler;
  /** Deliveries before a failing event goes to the dead-letter stream. */
  maxAttempts?: number;
  /** How long a delivered but unacknowledged event waits before another try (or another consumer). */
  retryAfterMs?: number;
  /** Events read per round. */
  batchSize?: number;
}

export interface Subscription {
  /** Stops reading; in-flight handlers finish first. Unacknowledged events stay for others. */
  stop(): Promise<void>;
}

export interface DeadLetter {
  id: string;
  stream: string;
  group: string;
  event: string;
  error: string;
  attempts: number;
  failedAt: string;
}

/**
 * At-least-once delivery: an event is acknowledged only after its handler succeeded, so a
 * crash redelivers it and handlers must be idempotent (deduplicate on the event id).
 */
export interface EventBus {
  publish(stream: string, event: Envelope): Promise<void>;
  subscribe(options: SubscribeOptions): Subscription;
  /** Events of `stream` not yet acknowledged by `group` (stream lag). */
  lag(stream: string, group: string): Promise<number>;
  deadLetters(stream: string): Promise<DeadLetter[]>;
  /** Publishes a dead-lettered event again on its stream and removes it from the dead letters. */
  replayDeadLetter(stream: string, id: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * A stream's dead letters, in the stream's hash slot: a Redis Cluster runs the transaction that
 * moves an event between them only then.
 */
export const deadLetterStream = (stream: string) => keyInSlotOf(stream, '.dead');
