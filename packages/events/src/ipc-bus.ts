import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { Broadcast, BroadcastOptions, DeadLetter, EventBus, SubscribeOptions, Subscription } from './bus.js';
import { deliverBroadcast } from './bus.js';
import { parseEnvelope, type Envelope } from './envelope.js';

/**
 * `npm start` without Redis: the services are separate processes, so one InProcessBus in the
 * starting process serves them all over Node's IPC channel. The child side below speaks the
 * EventBus interface; the parent side relays to the real bus.
 */

type Request =
  | { kind: 'publish'; stream: string; event: Envelope }
  | { kind: 'subscribe'; subscription: string; options: Omit<SubscribeOptions, 'handler'> }
  | { kind: 'broadcast'; subscription: string; streams: string[] }
  | { kind: 'unsubscribe'; subscription: string }
  | { kind: 'lag'; stream: string; group: string }
  | { kind: 'deadLetters'; stream: string }
  | { kind: 'replay'; stream: string; id: string };

type Message =
  | { bus: 'request'; id: string; request: Request }
  | { bus: 'response'; id: string; result?: unknown; error?: string }
  | { bus: 'deliver'; id: string; subscription: string; event: string }
  | { bus: 'broadcast'; subscription: string; stream: string; event: string }
  | { bus: 'handled'; id: string; error?: string };

function isBusMessage(message: unknown): message is Message {
  return typeof message === 'object' && message !== null && 'bus' in message;
}

/** Parent side: answers one child's bus requests with `bus`. */
export function serveBusToChild(bus: EventBus, child: ChildProcess): () => Promise<void> {
  const subscriptions = new Map<string, Subscription>();
  const waiting = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  const send = (message: Message) => {
    if (child.connected) child.send(message);
  };

  const run = async (request: Request): Promise<unknown> => {
    switch (request.kind) {
      case 'publish':
        return bus.publish(request.stream, request.event);
      case 'subscribe':
        subscriptions.set(
          request.subscription,
          bus.subscribe({
            ...request.options,
            handler: (event) =>
              new Promise<void>((resolve, reject) => {
                if (!child.connected) {
                  reject(new Error('consumer process is gone'));
                  return;
                }
                const id = randomUUID();
                waiting.set(id, { resolve, reject });
                send({ bus: 'deliver', id, subscription: request.subscription, event: JSON.stringify(event) });
              }),
          }),
        );
        return undefined;
      case 'broadcast': {
        const broadcast = bus.broadcast({
          streams: request.streams,
          handler: (event, stream) =>
            send({ bus: 'broadcast', subscription: request.subscription, stream, event: JSON.stringify(event) }),
        });
        subscriptions.set(request.subscription, broadcast);
        // Answered once the starting point is fixed, so the child's `ready` means the same.
        return broadcast.ready;
      }
      case 'unsubscribe':
        await subscriptions.get(request.subscription)?.stop();
        subscriptions.delete(request.subscription);
        return undefined;
      case 'lag':
        return bus.lag(request.stream, request.group);
      case 'deadLetters':
        return bus.deadLetters(request.stream);
      case 'replay':
        return bus.replayDeadLetter(request.stream, request.id);
    }
  };

  const onMessage = (message: unknown) => {
    if (!isBusMessage(message)) return;
    if (message.bus === 'request') {
      run(message.request).then(
        (result) => send({ bus: 'response', id: message.id, result }),
        (error: unknown) => send({ bus: 'response', id: message.id, error: (error as Error).message }),
      );
    } else if (message.bus === 'handled') {
      const pending = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error) pending?.reject(new Error(message.error));
      else pending?.resolve();
    }
  };
  child.on('message', onMessage);
  const stopAll = async () => {
    child.off('message', onMessage);
    for (const pending of waiting.values()) pending.reject(new Error('consumer process is gone'));
    waiting.clear();
    await Promise.all([...subscriptions.values()].map((subscription) => subscription.stop()));
  };
  child.once('exit', () => void stopAll());
  return stopAll;
}

/** Child side: the EventBus of a service started by `npm start` without Redis. */
export class ParentProcessBus implements EventBus {
  private readonly pending = new Map<string, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly handlers = new Map<string, SubscribeOptions['handler']>();
  private readonly broadcasts = new Map<string, BroadcastOptions>();
  private readonly onMessage = (message: unknown) => {
    if (!isBusMessage(message)) return;
    if (message.bus === 'response') {
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) pending?.reject(new Error(message.error));
      else pending?.resolve(message.result);
    } else if (message.bus === 'broadcast') {
      const options = this.broadcasts.get(message.subscription);
      if (!options) return;
      deliverBroadcast(options, message.stream, message.event);
    } else if (message.bus === 'deliver') {
      const handler = this.handlers.get(message.subscription);
      const reply = (error?: string) =>
        process.send?.({ bus: 'handled', id: message.id, ...(error ? { error } : {}) } satisfies Message);
      if (!handler) return reply('no such subscription');
      Promise.resolve()
        .then(() => handler(parseEnvelope(message.event)))
        .then(
          () => reply(),
          (error: unknown) => reply(error instanceof Error ? error.message : String(error)),
        );
    }
  };

  constructor() {
    if (!process.send) throw new Error('ParentProcessBus needs an IPC channel to the starting process');
    process.on('message', this.onMessage);
  }

  /** True when this process was started with an IPC channel by `npm start`. */
  static available(): boolean {
    return typeof process.send === 'function' && process.env.STOREFRONT_EVENT_BUS === 'parent';
  }

  private request<Result>(request: Request): Promise<Result> {
    const id = randomUUID();
    return new Promise<Result>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      process.send!({ bus: 'request', id, request } satisfies Message);
    });
  }

  publish(stream: string, event: Envelope): Promise<void> {
    return this.request({ kind: 'publish', stream, event });
  }

  subscribe(options: SubscribeOptions): Subscription {
    const subscription = randomUUID();
    const { handler, ...rest } = options;
    this.handlers.set(subscription, handler);
    const subscribed = this.request({ kind: 'subscribe', subscription, options: rest });
    return {
      stop: async () => {
        await subscribed;
        await this.request({ kind: 'unsubscribe', subscription });
        this.handlers.delete(subscription);
      },
    };
  }

  broadcast(options: BroadcastOptions): Broadcast {
    const subscription = randomUUID();
    this.broadcasts.set(subscription, options);
    const ready = this.request<undefined>({ kind: 'broadcast', subscription, streams: [...options.streams] });
    return {
      ready,
      stop: async () => {
        this.broadcasts.delete(subscription);
        await ready.catch(() => undefined);
        await this.request({ kind: 'unsubscribe', subscription }).catch(() => undefined);
      },
    };
  }

  lag(stream: string, group: string): Promise<number> {
    return this.request({ kind: 'lag', stream, group });
  }

  deadLetters(stream: string): Promise<DeadLetter[]> {
    return this.request({ kind: 'deadLetters', stream });
  }

  replayDeadLetter(stream: string, id: string): Promise<boolean> {
    return this.request({ kind: 'replay', stream, id });
  }

  async close(): Promise<void> {
    process.off('message', this.onMessage);
    for (const pending of this.pending.values()) pending.reject(new Error('bus closed'));
    this.pending.clear();
  }
}
