import { EventEmitter } from 'node:events';
import type { Broadcast, BroadcastOptions, DeadLetter, EventBus, SubscribeOptions, Subscription } from './bus.js';
import { deliverBroadcast } from './bus.js';
import { parseEnvelope, type Envelope } from './envelope.js';

interface Group {
  /** Index of the next never-delivered entry. */
  next: number;
  /** Delivered, not yet acknowledged: entry index → deliveries and when last delivered. */
  pending: Map<number, { deliveries: number; deliveredAt: number }>;
}

interface Log {
  /** Serialized as on the wire, so a malformed event fails the same way as with Redis. */
  entries: Array<string | undefined>;
  groups: Map<string, Group>;
  dead: DeadLetter[];
}

/**
 * The same contract as RedisStreamsBus in one process, for `npm start` without Redis: groups,
 * acknowledgement after success, retries, dead letters. Nothing survives a restart.
 */
export class InProcessBus implements EventBus {
  private readonly logs = new Map<string, Log>();
  private readonly published = new EventEmitter().setMaxListeners(0);
  private readonly subscriptions = new Set<Subscription>();
  private deadLetterIds = 0;

  private log(stream: string): Log {
    let log = this.logs.get(stream);
    if (!log) this.logs.set(stream, (log = { entries: [], groups: new Map(), dead: [] }));
    return log;
  }

  async publish(stream: string, event: Envelope): Promise<void> {
    this.log(stream).entries.push(JSON.stringify(event));
    this.published.emit(stream);
  }

  subscribe(options: SubscribeOptions): Subscription {
    const { stream, group: groupName, handler } = options;
    const maxAttempts = options.maxAttempts ?? 5;
    const retryAfterMs = options.retryAfterMs ?? 5_000;
    const batchSize = options.batchSize ?? 50;
    const log = this.log(stream);
    let group = log.groups.get(groupName);
    if (!group) log.groups.set(groupName, (group = { next: 0, pending: new Map() }));
    const state = group;
    let running = true;
    let wake: (() => void) | undefined;
    const onPublish = () => wake?.();
    this.published.on(stream, onPublish);

    const deliver = async (index: number) => {
      const event = log.entries[index];
      const pending = state.pending.get(index) ?? { deliveries: 0, deliveredAt: 0 };
      pending.deliveries += 1;
      pending.deliveredAt = Date.now();
      state.pending.set(index, pending);
      if (!event) return void state.pending.delete(index);
      try {
        await handler(parseEnvelope(event));
        state.pending.delete(index);
      } catch (error) {
        if (pending.deliveries >= maxAttempts) {
          state.pending.delete(index);
          log.dead.push({
            id: String((this.deadLetterIds += 1)),
            stream,
            group: groupName,
            event,
            error: error instanceof Error ? error.message : String(error),
            attempts: pending.deliveries,
            failedAt: new Date().toISOString(),
          });
        }
      }
    };

    const loop = (async () => {
      while (running) {
        const now = Date.now();
        const due = [...state.pending].filter(([, pending]) => now - pending.deliveredAt >= retryAfterMs).map(([index]) => index);
        const fresh: number[] = [];
        while (state.next < log.entries.length && fresh.length < batchSize) fresh.push(state.next++);
        for (const index of [...due.slice(0, batchSize), ...fresh]) await deliver(index);
        if (due.length === 0 && fresh.length === 0) {
          const nextRetry = Math.min(
            ...[...state.pending.values()].map((pending) => pending.deliveredAt + retryAfterMs - now),
            500,
          );
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.max(1, nextRetry));
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
      }
    })();

    const subscription: Subscription = {
      stop: async () => {
        running = false;
        wake?.();
        await loop;
        this.published.off(stream, onPublish);
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  broadcast(options: BroadcastOptions): Broadcast {
    const listeners = options.streams.map((stream) => {
      const log = this.log(stream);
      let next = log.entries.length;
      const listener = () => {
        while (next < log.entries.length) {
          const raw = log.entries[next++];
          if (raw === undefined) continue;
          deliverBroadcast(options, stream, raw);
        }
      };
      this.published.on(stream, listener);
      return [stream, listener] as const;
    });
    const broadcast: Broadcast = {
      ready: Promise.resolve(),
      stop: async () => {
        for (const [stream, listener] of listeners) this.published.off(stream, listener);
        this.subscriptions.delete(broadcast);
      },
    };
    this.subscriptions.add(broadcast);
    return broadcast;
  }

  async lag(stream: string, group: string): Promise<number> {
    const log = this.logs.get(stream);
    const state = log?.groups.get(group);
    if (!log || !state) return 0;
    return log.entries.length - state.next + state.pending.size;
  }

  async deadLetters(stream: string): Promise<DeadLetter[]> {
    return [...(this.logs.get(stream)?.dead ?? [])];
  }

  async replayDeadLetter(stream: string, id: string): Promise<boolean> {
    const log = this.logs.get(stream);
    const index = log?.dead.findIndex((letter) => letter.id === id) ?? -1;
    if (!log || index < 0) return false;
    const [letter] = log.dead.splice(index, 1);
    await this.publish(stream, JSON.parse(letter!.event) as Envelope);
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
  }
}
