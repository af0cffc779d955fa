import { randomBytes } from 'node:crypto';
import { deleteTestKeys, eventually, redisTargets } from '@storefront/testing';
import type { RedisConnection } from '@storefront/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { EventBus, Subscription } from './bus.js';
import { envelope, type Envelope } from './envelope.js';
import { InProcessBus } from './memory-bus.js';
import { RedisStreamsBus } from './redis-bus.js';

const until = (condition: () => boolean | Promise<boolean>) =>
  eventually(condition, Boolean, 'the condition', { timeoutMs: 10_000, intervalMs: 10 });

/** Each implementation, by name, with the Redis it needs (connected before its tests run). */
type Implementation = [
  name: string,
  create: (redis: RedisConnection | undefined) => EventBus,
  connect: (() => Promise<RedisConnection>) | undefined,
];
const implementations: Implementation[] = [
  ...redisTargets().map(([name, connect]): Implementation => [
    `RedisStreamsBus (real Redis, ${name})`,
    (redis) => new RedisStreamsBus(redis!),
    connect,
  ]),
  ['InProcessBus', () => new InProcessBus(), undefined],
];

describe.each(implementations)('%s', (_name, createBus, connect) => {
  // Redis buses share events between instances; in-process buses are one per process.
  const instancesShare = connect !== undefined;
  const prefix = `test:${randomBytes(4).toString('hex')}:`;
  const stream = `${prefix}events`;
  let redis: RedisConnection | undefined;
  const buses: EventBus[] = [];
  const subscriptions: Subscription[] = [];
  beforeAll(async () => {
    redis = await connect?.();
  });
  const bus = () => {
    const created = createBus(redis);
    buses.push(created);
    return created;
  };

  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
  });
  afterAll(async () => {
    await Promise.all(buses.map((created) => created.close()));
    if (redis) await deleteTestKeys(redis, prefix);
  });

  it('delivers every event to every group once, and shares a group between its consumers', async () => {
    const shared = bus();
    const name = `${stream}:2`;
    const seenByA: string[] = [];
    const seenByB1: string[] = [];
    const seenByB2: string[] = [];
    subscriptions.push(
      shared.subscribe({ stream: name, group: 'a', consumer: 'a1', handler: async (event) => void seenByA.push(event.id) }),
      shared.subscribe({ stream: name, group: 'b', consumer: 'b1', handler: async (event) => void seenByB1.push(event.id) }),
      shared.subscribe({ stream: name, group: 'b', consumer: 'b2', handler: async (event) => void seenByB2.push(event.id) }),
    );
    const events = Array.from({ length: 30 }, (_, index) => envelope('Test', { index }));
    for (const event of events) await shared.publish(name, event);
    await until(() => seenByA.length === 30 && seenByB1.length + seenByB2.length === 30);
    expect([...seenByA].sort()).toEqual(events.map((event) => event.id).sort());
    expect([...seenByB1, ...seenByB2].sort()).toEqual(events.map((event) => event.id).sort());
    await until(async () => (await shared.lag(name, 'a')) === 0 && (await shared.lag(name, 'b')) === 0);
  });

  it('retries a failing event, dead-letters it after maxAttempts, and keeps processing the ones behind it', async () => {
    const shared = bus();
    const attempts = new Map<string, number>();
    const processed: string[] = [];
    const poison = envelope('Poison', {});
    const good = [envelope('Good', { n: 1 }), envelope('Good', { n: 2 })];
    subscriptions.push(
      shared.subscribe({
        stream,
        group: 'g',
        consumer: 'c1',
        maxAttempts: 3,
        retryAfterMs: 30,
        handler: async (event: Envelope) => {
          attempts.set(event.id, (attempts.get(event.id) ?? 0) + 1);
          if (event.type === 'Poison') throw new Error('cannot apply this');
          processed.push(event.id);
        },
      }),
    );
    await shared.publish(stream, poison);
    for (const event of good) await shared.publish(stream, event);
    await until(async () => (await shared.deadLetters(stream)).length === 1);
    expect(processed).toEqual(good.map((event) => event.id));
    expect(attempts.get(poison.id)).toBe(3);
    const [letter] = await shared.deadLetters(stream);
    expect(letter).toMatchObject({ group: 'g', error: 'cannot apply this', attempts: 3 });
    expect(JSON.parse(letter!.event).id).toBe(poison.id);

    // Replaying publishes it again; this time the handler fails again, proving it was redelivered.
    expect(await shared.replayDeadLetter(stream, letter!.id)).toBe(true);
    await until(() => (attempts.get(poison.id) ?? 0) > 3);
  });

  it('hands the unacknowledged events of a crashed consumer to another one', async () => {
    const shared = bus();
    const name = `${stream}:3`;
    const done: string[] = [];
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    // The first consumer takes an event and never finishes it (a crash mid-batch).
    const crashed = shared.subscribe({ stream: name, group: 'g', consumer: 'dies', retryAfterMs: 50, handler: () => stuck });
    const event = envelope('Work', {});
    await shared.publish(name, event);
    await until(async () => (await shared.lag(name, 'g')) === 1);
    subscriptions.push(
      shared.subscribe({
        stream: name,
        group: 'g',
        consumer: 'survives',
        retryAfterMs: 50,
        handler: async (e) => void done.push(e.id),
      }),
    );
    await until(() => done.length === 1);
    expect(done).toEqual([event.id]);
    release();
    await crashed.stop();
  });

  it('drops malformed messages into the dead letters instead of looping on them', async () => {
    const shared = bus();
    const name = `${stream}:4`;
    const handled: string[] = [];
    subscriptions.push(
      shared.subscribe({
        stream: name,
        group: 'g',
        consumer: 'c',
        maxAttempts: 2,
        retryAfterMs: 20,
        handler: async (e) => void handled.push(e.id),
      }),
    );
    await shared.publish(name, { ...envelope('Bad', {}), id: 'not-a-uuid' });
    const fine = envelope('Fine', {});
    await shared.publish(name, fine);
    await until(async () => (await shared.deadLetters(name)).length === 1 && handled.length === 1);
    expect(handled).toEqual([fine.id]);
  });

  it('broadcasts every event published after ready to every subscriber, on every instance, once', async () => {
    const publisher = bus();
    const other = instancesShare ? bus() : publisher;
    const [first, second] = [`${stream}:5`, `${stream}:6`];
    await publisher.publish(first, envelope('Before', {}));
    const seenHere: string[] = [];
    const seenThere: Array<[string, string]> = [];
    const here = publisher.broadcast({ streams: [first], handler: (event) => void seenHere.push(event.id) });
    const there = other.broadcast({ streams: [first, second], handler: (event, from) => void seenThere.push([from, event.id]) });
    subscriptions.push(here, there);
    await Promise.all([here.ready, there.ready]);
    const events = Array.from({ length: 20 }, (_, index) => envelope('Test', { index }));
    for (const [index, event] of events.entries()) await publisher.publish(index % 2 ? second : first, event);
    await until(() => seenHere.length === 10 && seenThere.length === 20);
    expect(seenHere).toEqual(events.filter((_, index) => index % 2 === 0).map((event) => event.id));
    // In order within each stream (streams are read apart, so not across them).
    for (const name of [first, second]) {
      expect(seenThere.filter(([from]) => from === name).map(([, id]) => id)).toEqual(
        events.filter((_, index) => (index % 2 ? second : first) === name).map((event) => event.id),
      );
    }
    // A consumer group on the same stream still gets its share: broadcasting takes nothing from it.
    const grouped: string[] = [];
    subscriptions.push(
      publisher.subscribe({ stream: second, group: 'g', consumer: 'c', handler: async (event) => void grouped.push(event.id) }),
    );
    await until(() => grouped.length === 10);
  });

  it('skips a malformed message in a broadcast and goes on with the next one', async () => {
    const shared = bus();
    const name = `${stream}:5`;
    const seen: string[] = [];
    const malformed: string[] = [];
    const broadcast = shared.broadcast({
      streams: [name],
      handler: (event) => void seen.push(event.id),
      onMalformed: (from) => void malformed.push(from),
    });
    subscriptions.push(broadcast);
    await broadcast.ready;
    await shared.publish(name, { ...envelope('Bad', {}), id: 'not-a-uuid' });
    const fine = envelope('Fine', {});
    await shared.publish(name, fine);
    await until(() => seen.length === 1);
    expect(seen).toEqual([fine.id]);
    expect(malformed).toEqual([name]);
  });
});
