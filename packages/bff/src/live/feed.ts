import type { Viewer } from '@storefront/auth';
import type { Envelope } from '@storefront/events';
import { GraphQLError } from 'graphql';
import type { LiveEvents } from './hub.js';

/** What a live subscription knows about the connection it runs on (see sse.ts and ws.ts). */
interface LiveConnection {
  /** Bytes written to the client but not yet sent: a slow consumer's backlog. */
  buffered(): number;
  maxBufferedBytes: number;
  /** Ends the whole connection (slow consumer); its subscriptions end with it. */
  drop(reason: string): void;
  /** Counts what the subscription sends and drops. */
  delivered(): void;
  dropped(reason: string): void;
}

/** The context fields every live subscription needs; each BFF's context has them on subscription requests. */
export interface LiveContext {
  viewer: Viewer | undefined;
  /** Set on subscription requests only. */
  live?: { events: LiveEvents; connection: LiveConnection } | undefined;
  /** This instance's live events, on every request when subscriptions are served (logOut ends the session's streams through it). */
  liveEvents?: LiveEvents | undefined;
}

export interface LiveFeedOptions<State> {
  context: LiveContext;
  /** Whether an event may change what this subscription shows. */
  concerns(event: Envelope): boolean;
  /** The current state, read through the gateway (never a cached response); `event` is what triggered the read, if any. */
  read(event: Envelope | undefined): Promise<State[]>;
  /** Identifies a state, so an unchanged one is not sent twice. */
  key(state: State): string;
  /** What counts as a change of a state (all of it by default). */
  fingerprint?(state: State): string;
  /** Refusal for one state (a FORBIDDEN order), checked on subscribe and for every event. */
  authorize?(state: State): GraphQLError | undefined;
}

/** Ends a stream: the subscription's `resolve` throws it, so the client gets a coded error, then completion. */
export class LiveEnd {
  constructor(readonly error: GraphQLError) {}
}

/** Events queued for one subscription before it counts as too slow to follow. */
const MAX_QUEUED_EVENTS = 256;

function coded(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/** The per-event checks of the caller, done by hand: graphql-shield would remember its first answer for the whole subscription. */
function callerRefusal(viewer: Viewer | undefined, event: Envelope | undefined): GraphQLError | undefined {
  if (!viewer) return undefined;
  if (viewer.expiresAt !== undefined && viewer.expiresAt <= Date.now()) {
    return coded('Your session has expired. Subscribe again after refreshing it.', 'UNAUTHENTICATED');
  }
  if (event?.type === 'SessionEnded' && viewer.sessionId !== undefined) {
    const ended = event.payload as { sessionId?: unknown };
    if (ended.sessionId === viewer.sessionId) return coded('You signed out.', 'UNAUTHENTICATED');
  }
  return undefined;
}

/**
 * A subscription's source stream: the current state first, then a fresh read after every event
 * that concerns it, each state sent only when it changed. The listener is attached before the
 * first read, so a change between the two is never lost. Refusals (on subscribe: thrown; later:
 * a LiveEnd as the last payload) carry UNAUTHENTICATED or FORBIDDEN, never silence. A client
 * that cannot keep up is dropped rather than buffered without bound.
 */
export async function liveFeed<State>(options: LiveFeedOptions<State>): Promise<AsyncIterableIterator<State | LiveEnd>> {
  const live = options.context.live;
  if (!live) throw coded('Subscriptions are served over SSE (web) or WebSocket (mobile) only.', 'BAD_REQUEST');
  const queue: Envelope[] = [];
  let overflowed = false;
  let wake: (() => void) | undefined;
  const unlisten = live.events.listen((event) => {
    if (event.type !== 'SessionEnded' && !options.concerns(event)) return;
    if (queue.length >= MAX_QUEUED_EVENTS) overflowed = true;
    else queue.push(event);
    wake?.();
  });

  let initial: State[];
  try {
    const refusal = callerRefusal(options.context.viewer, undefined);
    if (refusal) throw refusal;
    initial = await options.read(undefined);
    for (const state of initial) {
      const forbidden = options.authorize?.(state);
      if (forbidden) throw forbidden;
    }
  } catch (error) {
    unlisten();
    throw error;
  }

  const sent = new Map<string, string>();
  const changed = (state: State): boolean => {
    const json = options.fingerprint ? options.fingerprint(state) : JSON.stringify(state);
    const key = options.key(state);
    if (sent.get(key) === json) return false;
    sent.set(key, json);
    return true;
  };
  const tooSlow = () => {
    if (!overflowed && live.connection.buffered() <= live.connection.maxBufferedBytes) return false;
    live.connection.dropped('slow_consumer');
    live.connection.drop('too slow to follow its subscriptions');
    return true;
  };

  let closed = false;
  const feed = (async function* feed(): AsyncGenerator<State | LiveEnd> {
    try {
      for (const state of initial) {
        if (!changed(state)) continue;
        live.connection.delivered();
        yield state;
      }
      for (;;) {
        if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (closed || tooSlow()) return;
        const event = queue.shift();
        if (!event) continue;
        const refusal = callerRefusal(options.context.viewer, event);
        if (refusal) {
          live.connection.dropped('session');
          yield new LiveEnd(refusal);
          return;
        }
        if (event.type === 'SessionEnded') continue;
        let states: State[];
        try {
          states = await options.read(event);
        } catch (error) {
          // The client resubscribes and gets the current state first: nothing is lost by ending here.
          yield new LiveEnd(
            error instanceof GraphQLError
              ? error
              : coded('The service is unavailable. Subscribe again shortly.', 'SERVICE_UNAVAILABLE'),
          );
          return;
        }
        if (closed) return;
        for (const state of states) {
          const forbidden = options.authorize?.(state);
          if (forbidden) {
            yield new LiveEnd(forbidden);
            return;
          }
          if (!changed(state)) continue;
          live.connection.delivered();
          yield state;
        }
      }
    } finally {
      unlisten();
    }
  })();
  // An async generator waiting for the next event cannot be returned until it yields again: a
  // client that leaves must end the wait itself, or its listener would stay until the next event.
  return {
    next: () => feed.next(),
    return: (value?: unknown) => {
      closed = true;
      unlisten();
      wake?.();
      return feed.return(value);
    },
    throw: (error?: unknown) => feed.throw(error),
    [Symbol.asyncIterator]() {
      return this as AsyncIterableIterator<State | LiveEnd>;
    },
  };
}

/** A subscription field's `resolve`: the state itself, or the error that ends the stream. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the resolver names the state it streams; graphql-js hands the payload over untyped.
export function livePayload<State>(payload: unknown): State {
  if (payload instanceof LiveEnd) throw payload.error;
  return payload as State;
}

/**
 * One gateway read shared by every subscription of this instance that an event makes read the
 * same public thing (a product page followed by a thousand shoppers costs one read per event).
 */
export class SharedReads {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  read<Value>(key: string, load: () => Promise<Value>): Promise<Value> {
    const known = this.inFlight.get(key) as Promise<Value> | undefined;
    if (known) return known;
    const loading = load().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, loading);
    return loading;
  }
}
