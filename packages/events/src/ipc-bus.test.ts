import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { envelope } from './envelope.js';
import { serveBusToChild } from './ipc-bus.js';
import { InProcessBus } from './memory-bus.js';

const CHILD = fileURLToPath(new URL('../test/ipc-broadcast-child.ts', import.meta.url));

/** Messages from the child, and a way to wait for one. */
function listen(child: ChildProcess) {
  const messages: Array<{ test: string; id?: string; stream?: string }> = [];
  const next = (kind: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (messages.some((message) => message.test === kind)) {
          resolve();
          return;
        }
        child.once('message', check);
      };
      child.once('exit', (code) => reject(new Error(`child exited with ${code} before "${kind}"`)));
      check();
    });
  child.on('message', (message) => void messages.push(message as (typeof messages)[number]));
  return { messages, next };
}

describe('broadcast over the IPC bus (npm start without Redis)', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill();
  });

  it("gives a service process every event published after it is ready, from the parent's bus, until it stops", async () => {
    const bus = new InProcessBus();
    await bus.publish('orders.events', envelope('Before', {}));
    child = fork(CHILD, {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, STOREFRONT_EVENT_BUS: 'parent' },
      stdio: 'inherit',
    });
    const stopServing = serveBusToChild(bus, child);
    const { messages, next } = listen(child);
    await next('ready');
    const events = [envelope('One', {}), envelope('Two', {}), envelope('Three', {})];
    for (const event of events) await bus.publish('orders.events', event);
    await bus.publish('catalog.events', envelope('Elsewhere', {}));
    await new Promise<void>((resolve) => {
      const check = () =>
        messages.filter((message) => message.test === 'heard').length >= 3 ? resolve() : child!.once('message', check);
      check();
    });
    expect(messages.filter((message) => message.test === 'heard')).toEqual(
      events.map((event) => ({ test: 'heard', id: event.id, stream: 'orders.events' })),
    );
    child.send({ test: 'stop' });
    await next('stopped');
    await bus.publish('orders.events', envelope('After', {}));
    // The parent's side is gone too: nothing is left listening on the bus for the child.
    expect(bus['published'].listenerCount('orders.events')).toBe(0);
    await stopServing();
    await bus.close();
  });
});
