import type { RetrySettings } from './settings.js';

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
export function backoffDelay(
  retry: number,
  settings: Pick<RetrySettings, 'backoffMs' | 'maxBackoffMs'>,
  random = Math.random,
): number {
  const ceiling = Math.min(settings.maxBackoffMs, settings.backoffMs * 2 ** retry);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
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
