import { randomBytes } from 'node:crypto';
import { keySlot, userHashTag, type RedisConnection } from '@storefront/redis';
import { answering, deleteTestKeys, redisTargets } from '@storefront/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LoginAttemptLimiter } from './login-attempt-limiter.js';
import { RequestRateLimiter } from './request-rate-limiter.js';
import { RateLimitStore } from './store.js';

describe.each(redisTargets())('rate limits on %s Redis', (_name, connect) => {
  const keyPrefix = `sf:test:${randomBytes(4).toString('hex')}:rl:`;
  let connection: RedisConnection;
  // Two stores: two instances of a service, sharing their counters through Redis.
  let stores: [RateLimitStore, RateLimitStore];

  beforeAll(async () => {
    connection = await connect();
    stores = [new RateLimitStore(connection), new RateLimitStore(connection)];
    await Promise.all(stores.map((store) => answering(() => store.redis!.ping())));
  });
  afterAll(async () => {
    await Promise.all((stores ?? []).map((store) => store.close()));
    if (connection) await deleteTestKeys(connection, keyPrefix);
  });

  const requests = (store: RateLimitStore) =>
    new RequestRateLimiter({ store, name: 'web', keyPrefix, perUser: 3, perIp: 2, windowSeconds: 60 });

  it('shares request budgets between instances, per user and per address, and refuses with RATE_LIMITED', async () => {
    const [one, two] = stores.map(requests) as [RequestRateLimiter, RequestRateLimiter];
    await one.consume({ userId: 'u1', ip: '198.51.100.1' });
    await two.consume({ userId: 'u1', ip: '198.51.100.2' });
    await one.consume({ userId: 'u1', ip: '198.51.100.3' });
    await expect(two.consume({ userId: 'u1', ip: '198.51.100.4' })).rejects.toMatchObject({
      extensions: { code: 'RATE_LIMITED' },
    });
    await two.consume({ userId: 'u2', ip: '198.51.100.1' });

    await one.consume({ userId: undefined, ip: '198.51.100.9' });
    await two.consume({ userId: undefined, ip: '198.51.100.9' });
    await expect(one.consume({ userId: undefined, ip: '198.51.100.9' })).rejects.toMatchObject({
      extensions: { code: 'RATE_LIMITED' },
    });
  });

  it("keeps a user's counter in the slot of the user's own cache entries", () => {
    const counter = requests(stores[0]).redisCounter({ userId: 'u7', ip: '198.51.100.7' });
    expect(counter).toMatchObject({ points: 3, durationSeconds: 60 });
    expect(keySlot(counter!.key)).toBe(keySlot(`sf:cache:web:${userHashTag('u7')}:page`));
  });

  it('locks an account after its failed sign-ins, on every instance', async () => {
    const [one, two] = stores.map(
      (store) => new LoginAttemptLimiter({ store, name: 'web', keyPrefix, perAccount: 2, perIp: 100, windowSeconds: 60 }),
    ) as [LoginAttemptLimiter, LoginAttemptLimiter];
    const fail = (limiter: LoginAttemptLimiter) =>
      limiter.attempt(
        'ada@example.com',
        '198.51.100.5',
        async () => false,
        (ok) => ok,
      );
    await fail(one);
    await fail(two);
    await expect(
      one.attempt(
        'ada@example.com',
        '198.51.100.6',
        async () => true,
        (ok) => ok,
      ),
    ).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
  });
});
