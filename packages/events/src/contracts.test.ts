import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { defineEvents } from './contracts.js';
import { envelope } from './envelope.js';

const things = defineEvents('things.events', {
  ThingMade: z.object({ thingId: z.uuid() }),
});

describe('defineEvents', () => {
  it('names the stream of the domain under a stack prefix', () => {
    expect(things.stream()).toBe('things.events');
    expect(things.stream('test:abc:')).toBe('test:abc:things.events');
  });

  it('knows its own event types only', () => {
    expect(things.has('ThingMade')).toBe(true);
    expect(things.has('OtherThing')).toBe(false);
    expect(things.has('toString')).toBe(false);
  });

  it('writes events in the envelope at its version, with the request id when there is one', () => {
    const thingId = randomUUID();
    expect(things.event('ThingMade', { thingId }, 'req-1')).toMatchObject({
      type: 'ThingMade',
      version: 1,
      requestId: 'req-1',
      payload: { thingId },
    });
    expect(things.event('ThingMade', { thingId })).not.toHaveProperty('requestId');
  });

  it('reads a payload of the expected type and version, and refuses anything else', () => {
    const thingId = randomUUID();
    expect(things.payloadOf(things.event('ThingMade', { thingId }), 'ThingMade')).toEqual({ thingId });
    expect(() => things.payloadOf(envelope('OtherThing', { thingId }), 'ThingMade')).toThrow(
      'expected ThingMade, got OtherThing',
    );
    expect(() => things.payloadOf(envelope('ThingMade', { thingId }, { version: 2 }), 'ThingMade')).toThrow(
      'ThingMade version 2 is not supported',
    );
    expect(() => things.payloadOf(envelope('ThingMade', { thingId: 'not-a-uuid' }), 'ThingMade')).toThrow();
  });
});
