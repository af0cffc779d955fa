import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { GraphQLError, Kind, print, type DocumentNode } from 'graphql';
import type { Counter } from 'prom-client';
import type { Logger } from 'pino';
import { injectTraceHeaders } from '@storefront/http-server';
import { rateLimitedError } from '@storefront/rate-limits';
import { CircuitOpenError } from '@storefront/outbound';
import { GatewayCircuitOpenError, postToGateway, type GatewayResilience } from './gateway-resilience.js';

export interface GatewayError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

export interface GatewayResult<Data> {
  data: Data | null;
  errors: GatewayError[];
}

/** Who a gateway call is made for: the caller's token, request id and address travel along. */
export interface CallerIdentity {
  requestId: string;
  /**
   * The client's address as this BFF resolved it, sent as `X-Forwarded-For`: the gateway (with
   * `TRUST_PROXY` naming the BFFs) then limits anonymous callers by their own address instead
   * of the BFF's. Undefined for calls no client request is waiting on (live updates).
   */
  clientIp: string | undefined;
  accessToken?: string | undefined;
}

/** Codes the gateway returns that a BFF passes on to its client unchanged. */
const PASS_THROUGH = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT']);

/** Codes of a subgraph (or a subgraph's call to another) that failed or did not answer: the shop is unavailable for now. */
const UPSTREAM_FAILURES = new Set(['SUBGRAPH_UNAVAILABLE', 'GATEWAY_TIMEOUT', 'CATALOG_UNAVAILABLE', 'CIRCUIT_OPEN']);

export class GatewayUnavailableError extends GraphQLError {
  constructor() {
    super('The shop is temporarily unavailable. Please try again.', { extensions: { code: 'SERVICE_UNAVAILABLE' } });
  }
}

/**
 * Calls the gateway with GraphQL operations. Connections are kept alive (Node's fetch pools
 * them), every call is bounded by a timeout, and a network failure becomes one clear error
 * for the client instead of a hang or a crash.
 */
export class GatewayClient {
  constructor(
    private readonly options: {
      url: string;
      timeoutMs: number;
      logger: Logger;
      /** Counts calls, labelled by operation name: the batching tests read it. */
      requests?: Counter<'operation'>;
      /** Keep-alive pool, breaker and query retries (gateway-resilience.ts); plain fetch without. */
      resilience?: GatewayResilience;
    },
  ) {}

  /** Closes the connection pool and stops the breaker. */
  async close(): Promise<void> {
    await this.options.resilience?.close();
  }

  async execute<Data>(
    operationName: string,
    query: string,
    variables: Record<string, unknown>,
    caller: CallerIdentity,
  ): Promise<GatewayResult<Data>> {
    this.options.requests?.inc({ operation: operationName });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-request-id': caller.requestId,
      // The trace (traceparent).
      ...injectTraceHeaders({}),
    };
    if (caller.clientIp && caller.clientIp !== 'unknown') headers['x-forwarded-for'] = caller.clientIp;
    if (caller.accessToken) headers.authorization = `Bearer ${caller.accessToken}`;
    let response: { status: number; json(): Promise<unknown> };
    try {
      const body = JSON.stringify({ operationName, query, variables });
      response = this.options.resilience
        ? await postToGateway(this.options.resilience, this.options.url, { headers, body }, { name: operationName, query })
        : await fetch(this.options.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (error) {
      if (error instanceof CircuitOpenError) {
        this.options.logger.warn({ requestId: caller.requestId, operationName }, 'gateway circuit open: failing fast');
        throw new GatewayCircuitOpenError(error);
      }
      this.options.logger.error({ err: error, requestId: caller.requestId, operationName }, 'gateway call failed');
      throw new GatewayUnavailableError();
    }
    let body: { data?: Data | null; errors?: GatewayError[] };
    try {
      body = (await response.json()) as typeof body;
    } catch (error) {
      this.options.logger.error({ err: error, status: response.status, operationName }, 'gateway answered with non-JSON');
      throw new GatewayUnavailableError();
    }
    if (response.status >= 500 && !body.data) throw new GatewayUnavailableError();
    return { data: body.data ?? null, errors: body.errors ?? [] };
  }

  /**
   * The data of a call whose errors the client should see as its own: pass-through codes keep
   * their message, anything else (an outage, a bug) becomes one generic coded error.
   */
  async data<Data>(
    operationName: string,
    query: string,
    variables: Record<string, unknown>,
    caller: CallerIdentity,
  ): Promise<Data> {
    const result = await this.execute<Data>(operationName, query, variables, caller);
    const [first] = result.errors;
    if (first) {
      throw toClientError(first, this.options.logger, caller.requestId);
    }
    if (!result.data) throw new GatewayUnavailableError();
    return result.data;
  }

  /** `data` of a typed gateway document (see the BFF's src/gateway.graphql), named after its operation. */
  async request<Data, Variables extends Record<string, unknown>>(
    document: TypedDocumentNode<Data, Variables>,
    variables: Variables,
    caller: CallerIdentity,
  ): Promise<Data> {
    const { name, query } = operationText(document);
    return this.data<Data>(name, query, variables, caller);
  }
}

export function toClientError(error: GatewayError, logger: Logger, requestId: string): GraphQLError {
  if (!isPassedThrough(error)) logger.warn({ requestId, gatewayError: error }, 'gateway returned an error');
  return clientErrorFor(error);
}

/** An error the client is told as it is (a denial, bad input): nothing to log. */
export function isPassedThrough(error: GatewayError): boolean {
  return PASS_THROUGH.has(String(error.extensions?.code));
}

/**
 * What the client sees for a gateway error: pass-through codes keep their message, an
 * upstream outage is SERVICE_UNAVAILABLE, anything else (a bug) one generic coded error.
 */
export function clientErrorFor(error: GatewayError): GraphQLError {
  const code = error.extensions?.code;
  // The gateway's own limit: the client waits as long as the gateway said.
  if (code === 'RATE_LIMITED') return rateLimitedError(Number(error.extensions?.retryAfter) || 1);
  if (typeof code === 'string' && PASS_THROUGH.has(code)) {
    return new GraphQLError(error.message, { extensions: { code } });
  }
  if (typeof code === 'string' && UPSTREAM_FAILURES.has(code)) return new GatewayUnavailableError();
  return new GraphQLError('Something went wrong. Please try again.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/** Documents are module constants (generated): each is printed once. */
const printed = new WeakMap<DocumentNode, { name: string; query: string }>();

function operationText(document: DocumentNode): { name: string; query: string } {
  let text = printed.get(document);
  if (!text) {
    const operation = document.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
    text = { name: operation?.name?.value ?? 'Anonymous', query: print(document) };
    printed.set(document, text);
  }
  return text;
}
