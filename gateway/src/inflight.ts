import { CLIENT_IP_HEADER } from '@storefront/auth';

/**
 * Per-request headers that never change a subgraph's answer: with them in the key, no two
 * requests would ever share. The gateway's signature is added after the key is taken. The
 * client's address only matters to mutations (sign-in limits), which are never shared.
 */
const IGNORED_HEADERS = new Set(['x-request-id', 'traceparent', 'tracestate', 'baggage', CLIENT_IP_HEADER]);

/**
 * What identifies an answer: the URL, the exact body (query and variables), and every other
 * header, Authorization included, so different callers never share one.
 */
export function requestKey(url: string, init: { body?: unknown; headers?: Record<string, string> }): string {
  // Laid out as an HTTP message (header values hold no newline), so distinct requests give distinct keys;
  // names lower-cased and sorted, so equal header sets give equal keys.
  let key = `${url}\n`;
  const headers = Object.entries(init.headers ?? {})
    .map(([name, value]) => [name.toLowerCase(), value] as const)
    .filter(([name]) => !IGNORED_HEADERS.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, value] of headers) key += `${name}: ${value}\n`;
  return `${key}\n${typeof init.body === 'string' ? init.body : ''}`;
}

/**
 * Identical fetches in flight at the same time share one request: the first caller sends
 * it, later ones wait for its answer (or its failure). Nothing is kept once it settles. The
 * answer must be safe to share: the gateway's (SubgraphAnswer) holds the body as a string
 * and parses a fresh copy for each caller.
 */
export class InflightFetches<Answer> {
  private readonly inflight = new Map<string, Promise<Answer>>();

  /** `onJoin` runs for each caller that waits on another's fetch instead of sending its own. */
  constructor(private readonly onJoin: () => void = () => undefined) {}

  /**
   * `send`'s answer for the first caller with `key`, and the same answer for each caller
   * arriving while it is in flight; a caller that joins still stops waiting at its own `signal`.
   */
  fetch(key: string, send: () => Promise<Answer>, signal?: AbortSignal): Promise<Answer> {
    const inflight = this.inflight.get(key);
    if (inflight) {
      this.onJoin();
      return signal ? untilAborted(inflight, signal) : inflight;
    }
    return this.start(key, send);
  }

  private start(key: string, send: () => Promise<Answer>): Promise<Answer> {
    const shared = send();
    this.inflight.set(key, shared);
    const forget = () => {
      if (this.inflight.get(key) === shared) this.inflight.delete(key);
    };
    shared.then(forget, forget);
    return shared;
  }
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
