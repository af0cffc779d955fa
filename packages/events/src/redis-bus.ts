import { redisClientFactory, type RedisClient, type RedisClientFactory, type RedisConnection } from '@storefront/redis';
import type { Broadcast, BroadcastOptions, DeadLetter, EventBus, SubscribeOptions, Subscription } from './bus.js';
import { deadLetterStream, deliverBroadcast } from './bus.js';
import { parseEnvelope, type Envelope } from './envelope.js';

type StreamEntry = [id: string, fields: string[] | null];

function field(fields: readonly string[] | null, name: string): string | undefined {
  if (!fields) return undefined;
  for (let index = 0; index < fields.length; index += 2) if (fields[index] === name) return fields[index + 1];
  return undefined;
}

/** Longest a stream grows (approximately) before old, long-acknowledged entries are trimmed. */
const MAX_STREAM_LENGTH = 1_000_000;
const BLOCK_MS = 500;

/**
 * Removes, in one step, the consumers of a group idle for longer than ARGV[2] ms with nothing
 * pending, except ARGV[3] (the caller): instances that are gone. One script, so none of them
 * can take an entry between the look and the removal (DELCONSUMER drops a consumer's pending
 * entries, which would then never be delivered again).
 */
const REMOVE_IDLE_CONSUMERS = `
local removed = {}
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for index = 1, #consumer, 2 do info[consumer[index]] = consumer[index + 1] end
  if info['name'] ~= ARGV[3] and tonumber(info['pending']) == 0 and tonumber(info['idle']) > tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    removed[#removed + 1] = info['name']
  end
end
return removed
`;

export interface RedisStreamsBusOptions {
  /** A consumer idle this long with nothing pending is taken as gone and leaves its group (default 1 h). */
  idleConsumerMs?: number;
  /** How often each subscription looks for such consumers in its group (default 1 min). */
  consumerSweepMs?: number;
}

/**
 * Redis Streams with consumer groups: instances of one group share a stream's events, each
 * group sees all of them. Events are acknowledged after their handler succeeds; a failed or
 * abandoned one (its consumer crashed) is claimed again after `retryAfterMs` by any consumer
 * of the group, and after `maxAttempts` deliveries it moves to the stream's dead letters
 * (`deadLetterStream`) with the error, while the events behind it keep flowing.
 */
export class RedisStreamsBus implements EventBus {
  private readonly redis: RedisClient;
  private readonly subscriptions = new Set<Subscription>();
  /** Opens a connection to this bus's Redis (a server or a cluster). */
  private readonly connect: RedisClientFactory;

  private readonly idleConsumerMs: number;
  private readonly consumerSweepMs: number;

  constructor(connection: RedisConnection, options: RedisStreamsBusOptions = {}) {
    this.idleConsumerMs = options.idleConsumerMs ?? 3_600_000;
    this.consumerSweepMs = options.consumerSweepMs ?? 60_000;
    this.connect = redisClientFactory(connection);
    this.redis = this.connect({ maxRetriesPerRequest: 3 });
    this.redis.on('error', () => undefined);
  }

  async publish(stream: string, event: Envelope): Promise<void> {
    await this.redis.xadd(stream, 'MAXLEN', '~', MAX_STREAM_LENGTH, '*', 'type', event.type, 'event', JSON.stringify(event));
  }

  subscribe(options: SubscribeOptions): Subscription {
    const { stream, group, consumer, handler } = options;
    const maxAttempts = options.maxAttempts ?? 5;
    const retryAfterMs = options.retryAfterMs ?? 5_000;
    const batchSize = options.batchSize ?? 50;
    // XREADGROUP BLOCK holds its connection: each subscription gets its own.
    const reader = this.connect({ maxRetriesPerRequest: null });
    reader.on('error', () => undefined);
    let running = true;

    const deliveries = async (id: string): Promise<number> => {
      const pending = (await this.redis.xpending(stream, group, id, id, 1)) as Array<[string, string, number, number]>;
      return pending[0]?.[3] ?? 1;
    };

    const handle = async (entries: StreamEntry[], redelivered: boolean) => {
      for (const [id, fields] of entries) {
        const raw = field(fields, 'event');
        if (raw === undefined) {
          await this.redis.xack(stream, group, id); // trimmed away meanwhile
          continue;
        }
        try {
          await handler(parseEnvelope(raw));
          await this.redis.xack(stream, group, id);
        } catch (error) {
          const attempts = redelivered ? await deliveries(id) : 1;
          if (attempts >= maxAttempts) {
            await this.redis
              .multi()
              .xadd(
                deadLetterStream(stream),
                '*',
                'event',
                raw,
                'error',
                error instanceof Error ? error.message : String(error),
                'group',
                group,
                'attempts',
                String(attempts),
                'failedAt',
                new Date().toISOString(),
              )
              .xack(stream, group, id)
              .exec();
          }
        }
      }
    };

    const loop = (async () => {
      await this.redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM').catch((error: unknown) => {
        if (!(error as Error).message.includes('BUSYGROUP')) throw error;
      });
      let claimCursor = '0-0';
      let nextSweep = Date.now() + this.consumerSweepMs;
      while (running) {
        try {
          if (Date.now() >= nextSweep) {
            // Every instance that ever ran stays listed in the group (with a restart, a new name) until removed.
            nextSweep = Date.now() + this.consumerSweepMs;
            await this.removeIdleConsumers(stream, group, consumer);
          }
          const [next, claimed] = (await this.redis.xautoclaim(
            stream,
            group,
            consumer,
            retryAfterMs,
            claimCursor,
            'COUNT',
            batchSize,
          )) as [string, StreamEntry[]];
          claimCursor = next;
          if (claimed.length > 0) await handle(claimed, true);
          const read = (await reader.xreadgroup(
            'GROUP',
            group,
            consumer,
            'COUNT',
            batchSize,
            'BLOCK',
            BLOCK_MS,
            'STREAMS',
            stream,
            '>',
          )) as Array<[string, StreamEntry[]]> | null;
          if (read?.[0]) await handle(read[0][1], false);
        } catch {
          // Redis away or restarting: back off briefly, then carry on where the group left off.
          if (running) await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    })();

    const subscription: Subscription = {
      stop: async () => {
        running = false;
        await loop;
        reader.disconnect();
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  broadcast(options: BroadcastOptions): Broadcast {
    let running = true;
    // One reader per stream: XREAD BLOCK holds its connection, and on a Redis Cluster one XREAD
    // may only name keys of one slot.
    const readers = options.streams.map((stream) => {
      const reader = this.connect({ maxRetriesPerRequest: null });
      reader.on('error', () => undefined);
      let position = '0-0';
      // The newest entry now, not `$`: `$` re-read on every round would skip what arrived in between.
      const ready = (async () => {
        for (;;) {
          try {
            const [newest] = (await this.redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as StreamEntry[];
            position = newest?.[0] ?? '0-0';
            return;
          } catch (error) {
            if (!running) return;
            await new Promise((resolve) => setTimeout(resolve, 250));
            if (!running) throw error;
          }
        }
      })();
      const loop = (async () => {
        await ready;
        while (running) {
          try {
            const read = (await reader.xread('COUNT', 100, 'BLOCK', BLOCK_MS, 'STREAMS', stream, position)) as Array<
              [string, StreamEntry[]]
            > | null;
            for (const [id, fields] of read?.[0]?.[1] ?? []) {
              position = id;
              const raw = field(fields, 'event');
              if (raw === undefined) continue;
              deliverBroadcast(options, stream, raw);
            }
          } catch {
            if (running) await new Promise((resolve) => setTimeout(resolve, 250));
          }
        }
      })();
      return { reader, ready, loop };
    });

    const broadcast: Broadcast = {
      ready: Promise.all(readers.map((reader) => reader.ready)).then(() => undefined),
      stop: async () => {
        running = false;
        for (const { reader } of readers) reader.disconnect();
        await Promise.all(readers.map(({ loop }) => loop.catch(() => undefined)));
        this.subscriptions.delete(broadcast);
      },
    };
    this.subscriptions.add(broadcast);
    return broadcast;
  }

  /** Removes the group's consumers idle past `idleConsumerMs` with nothing pending, but `keep`; their names. */
  async removeIdleConsumers(stream: string, group: string, keep: string): Promise<string[]> {
    return (await this.redis.eval(REMOVE_IDLE_CONSUMERS, 1, stream, group, String(this.idleConsumerMs), keep)) as string[];
  }

  async lag(stream: string, group: string): Promise<number> {
    try {
      const groups = (await this.redis.xinfo('GROUPS', stream)) as Array<Array<string | number | null>>;
      for (const info of groups) {
        const values = new Map<string, string | number | null>();
        for (let index = 0; index < info.length; index += 2) values.set(String(info[index]), info[index + 1] ?? null);
        if (values.get('name') === group) return Number(values.get('lag') ?? 0) + Number(values.get('pending') ?? 0);
      }
    } catch {
      // no stream yet
    }
    return 0;
  }

  async deadLetters(stream: string): Promise<DeadLetter[]> {
    const entries = (await this.redis.xrange(deadLetterStream(stream), '-', '+')) as StreamEntry[];
    return entries.map(([id, fields]) => ({
      id,
      stream,
      group: field(fields, 'group') ?? '',
      event: field(fields, 'event') ?? '',
      error: field(fields, 'error') ?? '',
      attempts: Number(field(fields, 'attempts') ?? 0),
      failedAt: field(fields, 'failedAt') ?? '',
    }));
  }

  async replayDeadLetter(stream: string, id: string): Promise<boolean> {
    const [entry] = (await this.redis.xrange(deadLetterStream(stream), id, id)) as StreamEntry[];
    const raw = field(entry?.[1] ?? null, 'event');
    if (!entry || raw === undefined) return false;
    const event = parseEnvelope(raw);
    await this.redis.multi().xadd(stream, '*', 'type', event.type, 'event', raw).xdel(deadLetterStream(stream), id).exec();
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
