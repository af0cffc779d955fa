import { keyInSlotOf } from '@storefront/redis';
import { parseEnvelope, type Envelope } from './envelope.js';

type Handler = (event: Envelope) => Promise<void>;

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

export interface BroadcastOptions {
  streams: readonly string[];
  /** Called for every event published on `streams` after `ready`; never retried, never acknowledged. */
  handler: (event: Envelope, stream: string) => void;
  /** A message that is not a valid envelope (it is skipped; consumer groups dead-letter it). */
  onMalformed?: (stream: string, error: unknown) => void;
}

export interface Broadcast extends Subscription {
  /** Resolves once the starting point is fixed: every event published after it reaches `handler`. */
  ready: Promise<void>;
}

/**
 * At-least-once delivery: an event is acknowledged only after its handler succeeded, so a
 * crash redelivers it and handlers must be idempotent (deduplicate on the event id).
 */
export interface EventBus {
  publish(stream: string, event: Envelope): Promise<void>;
  subscribe(options: SubscribeOptions): Subscription;
  /**
   * Every event published from now on, to this subscriber and to every other one, in every
   * process: unlike a consumer group, nothing is shared out. For live notifications, where a
   * missed event is re-read from the source of truth, so there is no retry or acknowledgement.
   */
  broadcast(options: BroadcastOptions): Broadcast;
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

/** Hands one raw message of a broadcast to its subscriber, or reports it as malformed (every implementation alike). */
export function deliverBroadcast(options: BroadcastOptions, stream: string, raw: string): void {
  let event: Envelope;
  try {
    event = parseEnvelope(raw);
  } catch (error) {
    options.onMalformed?.(stream, error);
    return;
  }
  options.handler(event, stream);
}
