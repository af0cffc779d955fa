import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServiceMetrics {
  registry: Registry;
  httpRequests: Histogram<'route' | 'method' | 'status'>;
  graphqlOperations: Histogram<'operation' | 'type'>;
  graphqlErrors: Counter<'code'>;
  sqlStatements: Counter;
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
  };
}
