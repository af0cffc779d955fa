import { CLIENT_IP_HEADER } from '@storefront/auth';
import { Response } from 'undici';

/** What every caller sharing one fetch gets a fresh Response of. */
interface SharedAnswer {
  status: number;
  statusText: string;
  headers: Response['headers'];
  body: string;
}

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
export function requestKey(url: string, init: { body?: unknown; headers?: unknown }): string {
  // Laid out as an HTTP message (header values hold no newline), so distinct requests give distinct keys;
  // Headers iterate lower-cased and sorted, so equal header sets give equal keys.
  let key = `${url}\n`;
  for (const [name, value] of new Headers(init.headers as ConstructorParameters<typeof Headers>[0])) {
    if (!IGNORED_HEADERS.has(name)) key += `${name}: ${value}\n`;
  }
  return `${key}\n${typeof init.body === 'string' ? init.body : ''}`;
}

/**
 * Identical fetches in flight at the same time share one request: the first caller sends
 * it, later ones wait for its answer (or its failure). Nothing is kept once it settles.
 */
export class InflightFetches {
  private readonly inflight = new Map<string, Promise<SharedAnswer>>();

  /** `onJoin` runs for each caller that waits on another's fetch instead of sending its own. */
  constructor(private readonly onJoin: () => void = () => undefined) {}

  /**
   * `send`'s answer for the first caller with `key`, and the same answer for each caller
   * arriving while it is in flight; a caller that joins still stops waiting at its own `signal`.
   */
  async fetch(key: string, send: () => Promise<Response>, signal?: AbortSignal): Promise<Response> {
    const inflight = this.inflight.get(key);
    let answer: SharedAnswer;
    if (inflight) {
      this.onJoin();
      answer = await (signal ? untilAborted(inflight, signal) : inflight);
    } else {
      answer = await this.start(key, send);
    }
    return new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers: answer.headers });
  }

  private start(key: string, send: () => Promise<Response>): Promise<SharedAnswer> {
    // The body is read once, here: each caller parses its own copy into its own result tree.
    const shared = send().then(async (response) => ({
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
      body: await response.text(),
    }));
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
