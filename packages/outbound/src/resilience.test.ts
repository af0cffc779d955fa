import { GraphQLError } from 'graphql';
import { Registry } from 'prom-client';
import { describe, expect, it } from '@jest/globals';
import { eventually } from '@storefront/testing';
import { CircuitOpenError, HttpStatusError, classifyFailure } from './failures.js';
import { resilienceMetrics } from './metrics.js';
import { operationType } from './operation-type.js';
import { RetryBudget, backoffDelay } from './retry.js';
import type { ResilienceSettings } from './settings.js';
import { ResilientTarget } from './target.js';

const settings = (
  overrides: {
    retry?: Partial<ResilienceSettings['retry']>;
    breaker?: Partial<ResilienceSettings['breaker']>;
    timeoutMs?: number;
  } = {},
): ResilienceSettings => ({
  timeoutMs: overrides.timeoutMs ?? 2_000,
  retry: {
    retries: 2,
    backoffMs: 1,
    maxBackoffMs: 5,
    budgetPercent: 20,
    budgetMinRetries: 100,
    budgetWindowMs: 60_000,
    ...overrides.retry,
  },
  breaker: { errorPercent: 50, volumeThreshold: 1_000, windowMs: 60_000, resetMs: 60_000, ...overrides.breaker },
});

const networkError = () =>
  Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
  });

const until = (check: () => boolean) => eventually(check, Boolean, 'the condition', { timeoutMs: 5_000, intervalMs: 5 });

describe('operationType', () => {
  it('reads the operation of a document', () => {
    expect(operationType('query Q { a }')).toBe('query');
    expect(operationType('{ a }')).toBe('query');
    expect(operationType('  # comment\n mutation M($x: Int) { a(x: $x) }')).toBe('mutation');
    expect(operationType('query($representations:[_Any!]!){_entities(representations:$representations){__typename}}')).toBe(
      'query',
    );
    expect(operationType('fragment F on T { a } mutation M { a { ...F } }')).toBe('mutation');
    expect(operationType('query A { a } mutation B { b }', 'B')).toBe('mutation');
    expect(operationType('query A { a } mutation B { b }', 'A')).toBe('query');
    expect(operationType('not graphql')).toBeUndefined();
  });
});

describe('classifyFailure', () => {
  it('retries only what is worth retrying', () => {
    expect(classifyFailure(networkError())).toBe('transient');
    expect(classifyFailure(new HttpStatusError(503))).toBe('transient');
    expect(classifyFailure(new HttpStatusError(500))).toBe('failure');
    expect(classifyFailure(new HttpStatusError(400))).toBe('ignored');
    // @apollo/gateway's shape of a non-2xx subgraph answer.
    expect(classifyFailure(new GraphQLError('502: Bad Gateway', { extensions: { response: { status: 502 } } }))).toBe(
      'transient',
    );
    expect(classifyFailure(new GraphQLError('401', { extensions: { response: { status: 401 } } }))).toBe('ignored');
    expect(classifyFailure(new DOMException('timed out', 'TimeoutError'))).toBe('timeout');
    expect(classifyFailure(networkError(), AbortSignal.abort())).toBe('timeout');
    expect(classifyFailure(new Error('Expected JSON response body'))).toBe('failure');
  });
});

describe('RetryBudget', () => {
  it('allows retries up to a share of recent calls, plus a floor', () => {
    let now = 0;
    const budget = new RetryBudget({ budgetPercent: 20, budgetMinRetries: 1, budgetWindowMs: 1_000 }, () => now);
    budget.recordRequest();
    expect(budget.tryRetry()).toBe(true); // the floor
    expect(budget.tryRetry()).toBe(false);
    for (let call = 0; call < 9; call += 1) budget.recordRequest();
    // 10 calls: 1 + 2 retries.
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    // The window slides: old calls and retries no longer count.
    now = 5_000;
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially, capped, with jitter', () => {
    const range = (retry: number) => [
      backoffDelay(retry, { backoffMs: 100, maxBackoffMs: 1_000 }, () => 0),
      backoffDelay(retry, { backoffMs: 100, maxBackoffMs: 1_000 }, () => 1),
    ];
    expect(range(0)).toEqual([50, 100]);
    expect(range(1)).toEqual([100, 200]);
    expect(range(5)).toEqual([500, 1_000]);
  });
});

describe('ResilientTarget', () => {
  it('retries a query on transient failures, never a mutation', async () => {
    const target = new ResilientTarget({ name: 'svc', settings: settings() });
    let attempts = 0;
    const failing = async () => {
      attempts += 1;
      throw networkError();
    };
    await expect(target.call(failing, { idempotent: false })).rejects.toThrow('fetch failed');
    expect(attempts).toBe(1);
    attempts = 0;
    await expect(target.call(failing, { idempotent: true })).rejects.toThrow('fetch failed');
    expect(attempts).toBe(3);
    attempts = 0;
    // Success after one retry.
    const flaky = async () => {
      attempts += 1;
      if (attempts === 1) throw new HttpStatusError(503);
      return 'ok';
    };
    await expect(target.call(flaky, { idempotent: true })).resolves.toBe('ok');
    expect(attempts).toBe(2);
    // A 500 or a 4xx is not retried.
    attempts = 0;
    await expect(
      target.call(
        async () => {
          attempts += 1;
          throw new HttpStatusError(500);
        },
        { idempotent: true },
      ),
    ).rejects.toThrow();
    expect(attempts).toBe(1);
    target.shutdown();
  });

  it('bounds the whole call by its deadline and does not retry a timeout', async () => {
    const target = new ResilientTarget({ name: 'svc', settings: settings({ timeoutMs: 50 }) });
    let attempts = 0;
    const hanging = (deadline: AbortSignal) =>
      new Promise<never>((_resolve, reject) => {
        attempts += 1;
        deadline.addEventListener('abort', () => reject(deadline.reason), { once: true });
      });
    await expect(target.call(hanging, { idempotent: true })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(attempts).toBe(1);
    target.shutdown();
  });

  it('opens, fails fast without calling, goes half-open, and closes on a successful probe', async () => {
    const registry = new Registry();
    const metrics = resilienceMetrics(registry);
    const target = new ResilientTarget({
      name: 'svc',
      settings: settings({ retry: { retries: 0 }, breaker: { volumeThreshold: 3, resetMs: 100 } }),
      metrics,
    });
    const state = async () => (await metrics.circuitState.get()).values.find((value) => value.labels.target === 'svc')?.value;
    expect(await state()).toBe(0);
    let calls = 0;
    let healthy = false;
    const action = async () => {
      calls += 1;
      if (!healthy) throw networkError();
      return 'ok';
    };
    for (let call = 0; call < 3; call += 1)
      await expect(target.call(action, { idempotent: true })).rejects.toThrow('fetch failed');
    expect(target.state).toBe('open');
    expect(await state()).toBe(1);
    await expect(target.call(action, { idempotent: true })).rejects.toBeInstanceOf(CircuitOpenError);
    expect(calls).toBe(3);

    await until(() => target.state === 'half-open');
    expect(await state()).toBe(0.5);
    // The probe fails: open again, one more call made.
    await expect(target.call(action, { idempotent: true })).rejects.toThrow('fetch failed');
    expect(calls).toBe(4);
    expect(target.state).toBe('open');

    healthy = true;
    await until(() => target.state === 'half-open');
    // While the probe is out, others still fail fast.
    const probe = target.call(action, { idempotent: true });
    await expect(target.call(action, { idempotent: true })).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(probe).resolves.toBe('ok');
    expect(target.state).toBe('closed');
    expect(await state()).toBe(0);
    target.shutdown();
  });

  it('does not hold 4xx answers against the target', async () => {
    const target = new ResilientTarget({
      name: 'svc',
      settings: settings({ retry: { retries: 0 }, breaker: { volumeThreshold: 2 } }),
    });
    for (let call = 0; call < 5; call += 1) {
      await expect(target.call(async () => Promise.reject(new HttpStatusError(400)), { idempotent: true })).rejects.toThrow();
    }
    expect(target.state).toBe('closed');
    target.shutdown();
  });
});
