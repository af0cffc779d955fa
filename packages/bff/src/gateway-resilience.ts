import type { ResilienceEnvSettings } from '@storefront/config';
import {
  CircuitOpenError,
  DEFAULT_BREAKER,
  DEFAULT_POOL,
  DEFAULT_RETRY,
  HttpStatusError,
  ResilientTarget,
  createConnectionPool,
  operationType,
  resilienceMetrics,
  type Dispatcher,
  type Logger,
} from '@storefront/server';
import { GraphQLError, OperationTypeNode } from 'graphql';
import type { Registry } from 'prom-client';
import { fetch as undiciFetch } from 'undici';

/**
 * The BFF's side of its calls to the gateway: a keep-alive pool, one circuit breaker (target
 * `gateway`) and retry budget, and the call's deadline (GATEWAY_TIMEOUT_MS) over every attempt.
 */
export interface GatewayResilience {
  target: ResilientTarget;
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

export function createGatewayResilience(options: {
  timeoutMs: number;
  settings?: ResilienceEnvSettings | undefined;
  registry?: Registry;
  logger?: Logger;
}): GatewayResilience {
  const settings = options.settings ?? { pool: DEFAULT_POOL, retry: DEFAULT_RETRY, breaker: DEFAULT_BREAKER };
  const pool = createConnectionPool(settings.pool);
  const target = new ResilientTarget({
    name: 'gateway',
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

/** What a BFF's client sees while the gateway's breaker is open: fail fast, try again shortly. */
export class GatewayCircuitOpenError extends GraphQLError {
  constructor(error: CircuitOpenError) {
    super(error.message, { extensions: { code: 'CIRCUIT_OPEN' } });
  }
}

export { CircuitOpenError };

/**
 * POSTs one operation to the gateway through the breaker. Only queries are retried (on a
 * refused or reset connection, or 502/503/504); a mutation is sent at most once. A 5xx answer
 * counts against the breaker; a 4xx or a 200 with GraphQL errors (a subgraph being down, a
 * bad token) means the gateway itself is fine.
 */
export async function postToGateway(
  resilience: GatewayResilience,
  url: string,
  init: { headers: Record<string, string>; body: string },
  operation: { name: string; query: string },
): Promise<Response> {
  const idempotent = operationType(operation.query, operation.name) === OperationTypeNode.QUERY;
  return resilience.target.call(
    async (deadline) => {
      const response = await undiciFetch(url, { method: 'POST', ...init, signal: deadline, dispatcher: resilience.dispatcher });
      if (response.status >= 500) {
        // Release the connection before giving up on this attempt.
        await response.arrayBuffer().catch(() => undefined);
        throw new HttpStatusError(response.status);
      }
      return response;
    },
    { idempotent },
  );
}
