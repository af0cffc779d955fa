import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServiceMetrics {
  registry: Registry;
  httpRequests: Histogram<'route' | 'method' | 'status'>;
  graphqlOperations: Histogram<'operation' | 'type'>;
  graphqlErrors: Counter<'code'>;
  sqlStatements: Counter;
  /** Keys per DataLoader batch, by loader: how well per-request batching works. */
  dataloaderBatchSize: Histogram<'loader'>;
  /** Requests and sign-in attempts refused by a rate limit, by limiter. */
  rateLimited: Counter<'limiter'>;
}

/** One Prometheus registry per server, with Node's defaults and the series every server has. */
export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by route, method and status.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    graphqlOperations: new Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'GraphQL operations by operation name and type.',
      labelNames: ['operation', 'type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    graphqlErrors: new Counter({
      name: 'graphql_errors_total',
      help: 'GraphQL errors returned, by extensions.code.',
      labelNames: ['code'],
      registers: [registry],
    }),
    sqlStatements: new Counter({
      name: 'db_statements_total',
      help: 'SQL statements sent to the database.',
      registers: [registry],
    }),
    dataloaderBatchSize: new Histogram({
      name: 'dataloader_batch_size',
      help: 'Keys loaded per DataLoader batch, by loader.',
      labelNames: ['loader'],
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'rate_limited_total',
      help: 'Requests and sign-in attempts refused by a rate limit, by limiter (e.g. web:ip, web:login:account).',
      labelNames: ['limiter'],
      registers: [registry],
    }),
  };
}

/**
 * Wraps a DataLoader batch function so each batch's size lands in `dataloader_batch_size`
 * under `loader`: `new DataLoader(measuredBatch(histogram, 'productById', async (ids) => ...))`.
 */
export function measuredBatch<Keys extends ReadonlyArray<unknown>, Result>(
  histogram: Histogram<'loader'> | undefined,
  loader: string,
  batch: (keys: Keys) => Result,
): (keys: Keys) => Result {
  if (!histogram) return batch;
  return (keys) => {
    histogram.observe({ loader }, keys.length);
    return batch(keys);
  };
}
