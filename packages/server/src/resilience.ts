import CircuitBreaker from 'opossum';
import { Kind, OperationTypeNode, parse } from 'graphql';
import { Counter, Gauge, type Registry } from 'prom-client';
import { Agent, type Dispatcher } from 'undici';
import type { Logger } from 'pino';

/**
 * Resilient calls from one service to another (gateway → subgraph, BFF → gateway):
 *
 * - a keep-alive connection pool (an undici `Agent`) per calling service;
 * - one deadline per call (`timeoutMs`), which covers every attempt and every backoff pause,
 *   so a call never takes longer than its timeout, retried or not;
 * - retries of idempotent calls (queries, never mutations) on transient failures only
 *   (connection refused or reset, HTTP 502/503/504), with exponential backoff and jitter,
 *   at most `retries` times, and only while the target's retry budget allows;
 * - a circuit breaker per target (opossum): closed → open when the share of failed calls in
 *   a rolling window passes a threshold → fail fast with `CIRCUIT_OPEN` → half-open after
 *   `resetMs` (one probe call goes through) → closed again when the probe succeeds.
 *
 * A timeout is not retried: the deadline is spent, and hammering a service that is already
 * too slow to answer is what turns a slow service into a dead one.
 */

export interface PoolSettings {
  /** Most connections kept to one origin. */
  connections: number;
  /** How long an idle connection stays open (below the server's keep-alive, 65 s here). */
  keepAliveMs: number;
}

export interface RetrySettings {
  /** Most retries of one idempotent call (0: never retry). */
  retries: number;
  /** First backoff pause; doubles with each retry, with jitter. */
  backoffMs: number;
  /** Longest backoff pause. */
  maxBackoffMs: number;
  /** Retries allowed, as a percentage of the calls made in the budget's window. */
  budgetPercent: number;
  /** Retries allowed per window whatever the traffic, so a quiet service still retries. */
  budgetMinRetries: number;
  /** The budget's window. */
  budgetWindowMs: number;
}

export interface BreakerSettings {
  /** Opens when more than this percentage of the window's calls failed... */
  errorPercent: number;
  /** ...and the window holds at least this many calls. */
  volumeThreshold: number;
  /** The rolling window the error percentage is measured over. */
  windowMs: number;
  /** Time open before one probe call is let through (half-open). */
  resetMs: number;
}

export interface ResilienceSettings {
  /** Deadline of one call, all attempts and backoff pauses included. */
  timeoutMs: number;
  retry: RetrySettings;
  breaker: BreakerSettings;
}

export const DEFAULT_POOL: PoolSettings = { connections: 64, keepAliveMs: 30_000 };
export const DEFAULT_RETRY: RetrySettings = {
  retries: 2,
  backoffMs: 50,
  maxBackoffMs: 500,
  budgetPercent: 20,
  budgetMinRetries: 10,
  budgetWindowMs: 10_000,
};
export const DEFAULT_BREAKER: BreakerSettings = { errorPercent: 50, volumeThreshold: 20, windowMs: 10_000, resetMs: 10_000 };

/** A keep-alive connection pool; pass it as `dispatcher` to undici's `fetch`. */
export function createConnectionPool(settings: PoolSettings = DEFAULT_POOL): Agent {
  return new Agent({
    connections: settings.connections,
    keepAliveTimeout: settings.keepAliveMs,
    keepAliveMaxTimeout: settings.keepAliveMs,
  });
}

export type { Dispatcher };

/** Raised instead of calling a target whose circuit is open. Names the service, never its URL. */
export class CircuitOpenError extends Error {
  override name = 'CircuitOpenError';
  readonly code = 'CIRCUIT_OPEN';
  constructor(readonly target: string) {
    super(`The ${target} service is unavailable; calls to it are paused while it recovers.`);
  }
}

/** An HTTP answer that counts as a failure of the target (5xx), kept apart from network errors. */
export class HttpStatusError extends Error {
  override name = 'HttpStatusError';
  constructor(readonly status: number) {
    super(`upstream answered HTTP ${status}`);
  }
}

/**
 * How a failed attempt counts:
 * - `transient`: worth retrying (idempotent calls only) and a failure for the breaker;
 * - `timeout`: the deadline passed; a failure, never retried;
 * - `failure`: a failure, not retried (a 500 is usually a bug that answers the same again);
 * - `ignored`: the target answered (a 4xx): neither retried nor held against it.
 */
export type FailureKind = 'transient' | 'timeout' | 'failure' | 'ignored';

const TRANSIENT_STATUS = new Set([502, 503, 504]);
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function statusOf(error: unknown): number | undefined {
  if (error instanceof HttpStatusError) return error.status;
  // @apollo/gateway's RemoteGraphQLDataSource: a non-2xx answer as a GraphQLError.
  const status = (error as { extensions?: { response?: { status?: unknown } } } | undefined)?.extensions?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'TimeoutError';
}

/** Network failures as undici's fetch reports them: a TypeError whose cause has a code. */
function isNetworkError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof TypeError && error.message === 'fetch failed';
}

export function classifyFailure(error: unknown, deadline?: AbortSignal): FailureKind {
  if (deadline?.aborted || isTimeout(error)) return 'timeout';
  const status = statusOf(error);
  if (status !== undefined) {
    if (TRANSIENT_STATUS.has(status)) return 'transient';
    return status >= 500 ? 'failure' : 'ignored';
  }
  return isNetworkError(error) ? 'transient' : 'failure';
}

/**
 * Caps retries at a share of recent traffic: over a sliding window (ten buckets), a retry is
 * allowed while `retries + 1 <= minRetries + requests × percent / 100`. Each call deposits
 * `percent / 100` of a retry token and each retry spends one, so when most calls fail, at most
 * one call in five (20 %) is repeated instead of every call being sent `1 + retries` times.
 */
export class RetryBudget {
  private readonly buckets: Array<{ at: number; requests: number; retries: number }> = [];
  private readonly bucketMs: number;

  constructor(
    private readonly settings: Pick<RetrySettings, 'budgetPercent' | 'budgetMinRetries' | 'budgetWindowMs'>,
    private readonly now: () => number = Date.now,
  ) {
    this.bucketMs = Math.max(1, Math.floor(settings.budgetWindowMs / 10));
  }

  private current(): { at: number; requests: number; retries: number } {
    const now = this.now();
    while (this.buckets.length > 0 && this.buckets[0]!.at <= now - this.settings.budgetWindowMs) this.buckets.shift();
    const at = now - (now % this.bucketMs);
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.at === at) return last;
    const bucket = { at, requests: 0, retries: 0 };
    this.buckets.push(bucket);
    return bucket;
  }

  recordRequest(): void {
    this.current().requests += 1;
  }

  /** Spends one retry if the budget has one. */
  tryRetry(): boolean {
    const bucket = this.current();
    let requests = 0;
    let retries = 0;
    for (const entry of this.buckets) {
      requests += entry.requests;
      retries += entry.retries;
    }
    if (retries + 1 > this.settings.budgetMinRetries + (requests * this.settings.budgetPercent) / 100) return false;
    bucket.retries += 1;
    return true;
  }
}

/** Backoff before retry number `retry` (0-based): exponential, capped, with equal jitter. */
export function backoffDelay(retry: number, settings: Pick<RetrySettings, 'backoffMs' | 'maxBackoffMs'>, random = Math.random): number {
  const ceiling = Math.min(settings.maxBackoffMs, settings.backoffMs * 2 ** retry);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) { reject(signal.reason); return; }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `query`, `mutation` or `subscription`: the operation a document runs (`undefined` if unknown). */
export function operationType(document: string, operationName?: string | null): OperationTypeNode | undefined {
  const cached = operationTypes.get(`${operationName ?? ''}\u0000${document}`);
  if (cached) return cached;
  // Fast path: a document that opens with its operation (every gateway subgraph fetch does).
  const head = /^(?:\s|,|#[^\n]*\n)*(query|mutation|subscription|\{)/.exec(document)?.[1];
  let type: OperationTypeNode | undefined;
  if (head === '{' || head === 'query') type = OperationTypeNode.QUERY;
  else if (head === 'mutation') type = OperationTypeNode.MUTATION;
  else if (head === 'subscription') type = OperationTypeNode.SUBSCRIPTION;
  // With an operation name the document may hold several operations: parse it (once; cached).
  if (!type || operationName) {
    try {
      const operations = parse(document).definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
      const operation =
        (operationName ? operations.find((definition) => definition.name?.value === operationName) : undefined) ??
        (operations.length === 1 ? operations[0] : undefined);
      type = operation?.operation;
    } catch {
      type = undefined;
    }
  }
  if (type) {
    if (operationTypes.size >= 1_000) operationTypes.clear();
    operationTypes.set(`${operationName ?? ''}\u0000${document}`, type);
  }
  return type;
}
const operationTypes = new Map<string, OperationTypeNode>();

export interface ResilienceMetrics {
  circuitState: Gauge<'target'>;
  retries: Counter<'target'>;
  budgetExhausted: Counter<'target'>;
  rejections: Counter<'target'>;
}

const metricsByRegistry = new WeakMap<Registry, ResilienceMetrics>();

/** The series of every resilient target of one server (created once per registry). */
export function resilienceMetrics(registry: Registry): ResilienceMetrics {
  let metrics = metricsByRegistry.get(registry);
  if (!metrics) {
    metrics = {
      circuitState: new Gauge({
        name: 'circuit_state',
        help: 'Circuit breaker state per downstream target: 0 closed, 0.5 half-open, 1 open.',
        labelNames: ['target'],
        registers: [registry],
      }),
      retries: new Counter({
        name: 'upstream_retries_total',
        help: 'Retries of idempotent downstream calls (queries), per target.',
        labelNames: ['target'],
        registers: [registry],
      }),
      budgetExhausted: new Counter({
        name: 'upstream_retry_budget_exhausted_total',
        help: 'Retries not made because the target retry budget was spent.',
        labelNames: ['target'],
        registers: [registry],
      }),
      rejections: new Counter({
        name: 'circuit_rejections_total',
        help: 'Calls failed fast with CIRCUIT_OPEN without contacting the target.',
        labelNames: ['target'],
        registers: [registry],
      }),
    };
    metricsByRegistry.set(registry, metrics);
  }
  return metrics;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface ResilientTargetOptions {
  /** The service's name, for errors, logs and metrics: never its URL. */
  name: string;
  settings: ResilienceSettings;
  metrics?: ResilienceMetrics;
  logger?: Logger;
  classify?: (error: unknown, deadline?: AbortSignal) => FailureKind;
}

/** One downstream service as callers see it: its breaker, its retry budget, its deadline. */
export class ResilientTarget {
  readonly name: string;
  readonly settings: ResilienceSettings;
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>]>;
  private readonly budget: RetryBudget;
  private readonly metrics: ResilienceMetrics | undefined;
  private readonly classify: (error: unknown, deadline?: AbortSignal) => FailureKind;
  private readonly logger: Logger | undefined;

  constructor(options: ResilientTargetOptions) {
    this.name = options.name;
    this.settings = options.settings;
    this.metrics = options.metrics;
    this.logger = options.logger;
    this.classify = options.classify ?? classifyFailure;
    this.budget = new RetryBudget(options.settings.retry);
    const { breaker } = options.settings;
    this.breaker = new CircuitBreaker((run: () => Promise<unknown>) => run(), {
      name: options.name,
      // Each call brings its own deadline (an AbortSignal that really cancels the request).
      timeout: false,
      errorThresholdPercentage: breaker.errorPercent,
      volumeThreshold: breaker.volumeThreshold,
      rollingCountTimeout: breaker.windowMs,
      rollingCountBuckets: 10,
      resetTimeout: breaker.resetMs,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      // A 4xx means the service is up and answering: it never trips the breaker.
      errorFilter: (error: unknown) => this.classify(error) === 'ignored',
    });
    const gauge = this.metrics?.circuitState;
    gauge?.set({ target: this.name }, 0);
    this.breaker.on('open', () => {
      gauge?.set({ target: this.name }, 1);
      this.logger?.warn({ target: this.name, resetMs: breaker.resetMs }, 'circuit opened');
    });
    this.breaker.on('halfOpen', () => {
      gauge?.set({ target: this.name }, 0.5);
      this.logger?.info({ target: this.name }, 'circuit half-open: probing');
    });
    this.breaker.on('close', () => {
      gauge?.set({ target: this.name }, 0);
      this.logger?.info({ target: this.name }, 'circuit closed');
    });
  }

  get state(): CircuitState {
    if (this.breaker.opened) return 'open';
    if (this.breaker.halfOpen) return 'half-open';
    return 'closed';
  }

  /**
   * Runs `attempt` (given the call's deadline signal) through the breaker; retries it on
   * transient failures when `idempotent`, within the deadline and the retry budget.
   */
  async call<T>(attempt: (deadline: AbortSignal) => Promise<T>, options: { idempotent: boolean }): Promise<T> {
    const started = Date.now();
    const deadline = AbortSignal.timeout(this.settings.timeoutMs);
    this.budget.recordRequest();
    for (let retry = 0; ; retry += 1) {
      // Open, or half-open with its probe already out: fail fast, without a `fire` that would
      // count in the breaker's window.
      if (!this.breaker.closed && !this.breaker.pendingClose) throw this.rejected();
      try {
        return (await this.breaker.fire(() => attempt(deadline))) as T;
      } catch (error) {
        if ((error as { code?: unknown }).code === 'EOPENBREAKER') throw this.rejected();
        if (!options.idempotent || retry >= this.settings.retry.retries) throw error;
        if (this.classify(error, deadline) !== 'transient') throw error;
        const pause = backoffDelay(retry, this.settings.retry);
        if (Date.now() - started + pause >= this.settings.timeoutMs) throw error;
        if (!this.budget.tryRetry()) {
          this.metrics?.budgetExhausted.inc({ target: this.name });
          throw error;
        }
        this.metrics?.retries.inc({ target: this.name });
        this.logger?.debug({ target: this.name, retry: retry + 1, pause, err: error }, 'retrying');
        await sleep(pause, deadline);
      }
    }
  }

  private rejected(): CircuitOpenError {
    this.metrics?.rejections.inc({ target: this.name });
    return new CircuitOpenError(this.name);
  }

  /** Stops the breaker's timers. */
  shutdown(): void {
    this.breaker.shutdown();
  }
}
