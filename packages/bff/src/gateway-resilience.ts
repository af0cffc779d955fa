import type { Logger } from '@storefront/http-server';
import {
  createOutboundClient,
  operationType,
  postThrough,
  type CircuitOpenError,
  type OutboundAnswer,
  type OutboundClient,
  type OutboundSettings,
} from '@storefront/outbound';
import { GraphQLError, OperationTypeNode } from 'graphql';
import type { Registry } from 'prom-client';

/**
 * The BFF's side of its calls to the gateway: a keep-alive pool, one circuit breaker (target
 * `gateway`) and retry budget, and the call's deadline (GATEWAY_TIMEOUT_MS) over every attempt.
 */
export type GatewayResilience = OutboundClient;

export function createGatewayResilience(options: {
  timeoutMs: number;
  settings?: OutboundSettings | undefined;
  registry?: Registry;
  logger?: Logger;
}): GatewayResilience {
  return createOutboundClient({ name: 'gateway', ...options });
}

/** What a BFF's client sees while the gateway's breaker is open: fail fast, try again shortly. */
export class GatewayCircuitOpenError extends GraphQLError {
  constructor(error: CircuitOpenError) {
    super(error.message, { extensions: { code: 'CIRCUIT_OPEN' } });
  }
}

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
): Promise<OutboundAnswer> {
  return postThrough(resilience, url, init, {
    idempotent: operationType(operation.query, operation.name) === OperationTypeNode.QUERY,
  });
}
