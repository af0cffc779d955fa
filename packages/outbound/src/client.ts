import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { fetch as undiciFetch } from 'undici';
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

/**
 * POSTs `init.body` to `url` through the client's breaker, on its pool, within its deadline;
 * retried on transient failures only when `idempotent`. A 5xx answer counts against the
 * breaker (its body is dropped and HttpStatusError thrown); any other answer is returned.
 * `headers` may be a function, called for each attempt, when they must not be sent twice (a
 * signature whose nonce the target takes once).
 */
export async function postThrough(
  client: OutboundClient,
  url: string,
  init: { headers: Record<string, string> | (() => Record<string, string>); body: string },
  options: { idempotent: boolean },
): Promise<Response> {
  return client.target.call(async (deadline) => {
    const headers = typeof init.headers === 'function' ? init.headers() : init.headers;
    const response = await undiciFetch(url, {
      method: 'POST',
      headers,
      body: init.body,
      signal: deadline,
      dispatcher: client.dispatcher,
    });
    if (response.status >= 500) {
      // Release the connection before giving up on this attempt.
      await response.arrayBuffer().catch(() => undefined);
      throw new HttpStatusError(response.status);
    }
    return response;
  }, options);
}
