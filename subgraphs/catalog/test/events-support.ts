import { randomBytes, randomUUID } from 'node:crypto';
import { orderEvents } from '@storefront/orders-events';
import { catalogEvents } from '@storefront/catalog-events';
import { RedisStreamsBus, envelope, parseEnvelope, type Envelope, type EventBus } from '@storefront/events';
import { deleteTestKeys, testRedis, testRedisUrl } from '@storefront/testing';
import { Redis } from 'ioredis';

/**
 * Streams of one test file on the real Redis: a unique prefix keeps them apart from other
 * files and stacks, and `close()` deletes every key under it.
 */
export interface TestStreams {
  prefix: string;
  streams: { orders: string; catalog: string };
  /** The bus the catalog under test uses. */
  bus: EventBus;
  redis: Redis;
  /** Publishes an event on the orders stream, as the orders relay would. */
  publishOrderEvent(type: string, payload: unknown, options?: { id?: string; requestId?: string }): Promise<Envelope>;
  /** Every event on the catalog stream so far, in order. */
  catalogEvents(): Promise<Envelope[]>;
  close(): Promise<void>;
}

export async function createTestStreams(): Promise<TestStreams> {
  const prefix = `test:${randomBytes(5).toString('hex')}:`;
  const streams = { orders: orderEvents.stream(prefix), catalog: catalogEvents.stream(prefix) };
  const bus = new RedisStreamsBus(testRedis);
  const redis = new Redis(testRedisUrl, { maxRetriesPerRequest: 3 });
  return {
    prefix,
    streams,
    bus,
    redis,
    async publishOrderEvent(type, payload, options = {}) {
      const event = {
        ...envelope(type, payload, options.requestId ? { requestId: options.requestId } : {}),
        ...(options.id ? { id: options.id } : {}),
      };
      await bus.publish(streams.orders, event);
      return event;
    },
    async catalogEvents() {
      const entries = (await redis.xrange(streams.catalog, '-', '+')) as Array<[string, string[]]>;
      return entries.map(([, fields]) => parseEnvelope(fields[fields.indexOf('event') + 1]!));
    },
    async close() {
      await bus.close();
      await deleteTestKeys(testRedis, prefix);
      await redis.quit();
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<Value>(
  what: string,
  check: () => Promise<Value | undefined | false> | Value | undefined | false,
  timeoutMs = 15_000,
): Promise<Value> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const newId = () => randomUUID();
