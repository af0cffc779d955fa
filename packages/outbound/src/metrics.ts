import { Counter, Gauge, type Registry } from 'prom-client';

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
