import CircuitBreaker from 'opossum';
import type { Logger } from 'pino';
import { CircuitOpenError, classifyFailure, type FailureKind } from './failures.js';
import type { ResilienceMetrics } from './metrics.js';
import { RetryBudget, backoffDelay, sleep } from './retry.js';
import type { ResilienceSettings } from './settings.js';

type CircuitState = 'closed' | 'open' | 'half-open';

interface ResilientTargetOptions {
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
