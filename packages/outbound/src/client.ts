import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { request } from 'undici';
import { HttpStatusError } from './failures.js';
import { resilienceMetrics } from './metrics.js';
import { createConnectionPool, type Dispatcher } from './pool.js';
import { DEFAULT_BREAKER, DEFAULT_POOL, DEFAULT_RETRY, type OutboundSettings } from './settings.js';
import { ResilientTarget } from './target.js';

/** One downstream service as one caller reaches it: its own keep-alive pool and its breaker, budget and deadline. */
export interface OutboundClient {
  target: ResilientTarget;
  dispatcher: Dispatcher;
  /** Stops the breaker's timers and closes the pool. */
  close(): Promise<void>;
}

export function createOutboundClient(options: {
  /** The service called, for errors, logs and metrics: never its URL. */
  name: string;
  /** Deadline of one call, every attempt and backoff pause included. */
  timeoutMs: number;
  /** Pool, retry and breaker settings (the defaults without them). */
  settings?: OutboundSettings | undefined;
  /** Where the target's breaker and retry series go (see resilienceMetrics). */
  registry?: Registry | undefined;
  logger?: Logger | undefined;
}): OutboundClient {
  const settings = options.settings ?? { pool: DEFAULT_POOL, retry: DEFAULT_RETRY, breaker: DEFAULT_BREAKER };
  const pool = createConnectionPool(settings.pool);
  const target = new ResilientTarget({
    name: options.name,
    settings: { timeoutMs: options.timeoutMs, retry: settings.retry, breaker: settings.breaker },
    ...(options.registry ? { metrics: resilienceMetrics(options.registry) } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    target,
    dispatcher: pool,
    close: async () => {
      target.shutdown();
      await pool.close();
    },
  };
}

/** An answer read whole: its status, and its body parsed on demand (a fresh tree per call). */
export interface OutboundAnswer {
  status: number;
  ok: boolean;
  json(): Promise<unknown>;
}

/**
 * POSTs `init.body` to `url` through the client's breaker, on its pool, within its deadline;
 * retried on transient failures only when `idempotent`. A 5xx answer counts against the
 * breaker (its body is dropped and HttpStatusError thrown); any other answer is returned,
 * its body read within the deadline. `headers` may be a function, called for each attempt,
 * when they must not be sent twice (a signature whose nonce the target takes once).
 *
 * Over undici's `request` rather than its `fetch`: fetch builds WHATWG Request, Headers and
 * Response objects and a web stream per call, a fifth of a BFF's CPU per cache miss (the
 * gateway's subgraph calls made the same move, see gateway/src/subgraph-request.ts).
 */
export async function postThrough(
  client: OutboundClient,
  url: string,
  init: { headers: Record<string, string> | (() => Record<string, string>); body: string },
  options: { idempotent: boolean },
): Promise<OutboundAnswer> {
  return client.target.call(async (deadline) => {
    const headers = typeof init.headers === 'function' ? init.headers() : init.headers;
    const response = await request(url, {
      method: 'POST',
      headers,
      body: init.body,
      signal: deadline,
      dispatcher: client.dispatcher,
    });
    const status = response.statusCode;
    if (status >= 500) {
      // Release the connection before giving up on this attempt.
      await response.body.dump().catch(() => undefined);
      throw new HttpStatusError(status);
    }
    const text = await response.body.text();
    return { status, ok: status >= 200 && status < 300, json: async () => JSON.parse(text) as unknown };
  }, options);
}
