import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from '@jest/globals';
import { eventually } from '@storefront/testing';
import { envelope } from './envelope.js';
import { RedisStreamsBus } from './redis-bus.js';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const until = (condition: () => Promise<boolean>) =>
  eventually(condition, Boolean, 'the condition', { timeoutMs: 10_000, intervalMs: 50 });

describe('RedisStreamsBus: consumers of instances that are gone leave their group', () => {
  const stream = `test:${randomBytes(4).toString('hex')}:events`;
  const redis = new Redis(redisUrl);
  // Idle well past the subscription's own blocking read (500 ms), swept often.
  const bus = new RedisStreamsBus({ kind: 'standalone', url: redisUrl }, { idleConsumerMs: 1_500, consumerSweepMs: 100 });
  afterAll(async () => {
    await bus.close();
    await redis.del(stream);
    redis.disconnect();
  });

  const consumers = async () =>
    ((await redis.xinfo('CONSUMERS', stream, 'catalog')) as string[][]).map((info) => info[info.indexOf('name') + 1]!).sort();

  it('removes idle consumers with nothing pending; keeps live ones and any holding pending entries', async () => {
    await redis.xgroup('CREATE', stream, 'catalog', '0', 'MKSTREAM');
    // An instance that read nothing and went away (a restart gets a new name) ...
    await redis.xgroup('CREATECONSUMER', stream, 'catalog', 'gone-instance');
    // ... and one that crashed holding an event: removing it would drop that event for good.
    await bus.publish(stream, envelope('ProductChanged', { productId: 'p-1' }));
    await redis.xreadgroup('GROUP', 'catalog', 'crashed-instance', 'COUNT', 1, 'STREAMS', stream, '>');

    let handled = 0;
    const subscription = bus.subscribe({
      stream,
      group: 'catalog',
      consumer: 'live-instance',
      handler: async () => {
        handled += 1;
      },
      retryAfterMs: 600_000,
    });
    try {
      // A live instance is listed once it has read an event, and stays however long it runs.
      await bus.publish(stream, envelope('ProductChanged', { productId: 'p-2' }));
      await until(async () => handled === 1);
      // By then the live instance has run past the idle threshold too, reading all along.
      await until(async () => !(await consumers()).includes('gone-instance'));
      expect(await consumers()).toEqual(['crashed-instance', 'live-instance']);
    } finally {
      await subscription.stop();
    }
  });
});
