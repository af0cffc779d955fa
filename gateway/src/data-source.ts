import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { AsyncLocalStorage } from 'node:async_hooks';
import { CircuitOpenError, operationType, type Dispatcher, type ResilientTarget } from '@storefront/outbound';
import { CLIENT_IP_HEADER } from '@storefront/auth';
import { injectTraceHeaders } from '@storefront/http-server';
import { withGatewaySignature } from '@storefront/request-identity';
import { GraphQLError, OperationTypeNode } from 'graphql';
import type { Counter, Histogram } from 'prom-client';
import type { GatewayContext } from './context.js';
import { fetchErrorPaths } from './fetch-error-paths.js';
import { InflightFetches, requestKey } from './inflight.js';
import { sendSubgraphRequest, type SubgraphAnswer, type SubgraphRequestInit } from './subgraph-request.js';

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  timeoutMs: number;
  latency: Histogram<'subgraph' | 'outcome'>;
  /** This subgraph's breaker, retry budget and deadline (see gateway/src/resilience.ts). */
  resilience?: ResilientTarget;
  /** The gateway's keep-alive connection pool. */
  dispatcher?: Dispatcher;
  /** `SUBGRAPH_SECRET`: every request is signed with it (subgraphs refuse unsigned ones). */
  subgraphSecret: string;
  /**
   * Set when `SUBGRAPH_DEDUPLICATE_INFLIGHT`: identical query fetches in flight at once share
   * one request, and each fetch that joined another's is counted here.
   */
  deduplicated?: Counter<'subgraph'>;
}

/** The call in progress, for the fetcher (which RemoteGraphQLDataSource calls without context). */
interface Call {
  /** Its deadline, when it runs through the resilience wrapper. */
  deadline?: AbortSignal;
  /** A query (never a mutation): its fetch may share an identical one in flight. */
  shareable: boolean;
}
const currentCall = new AsyncLocalStorage<Call>();

/**
 * One subgraph as the gateway calls it: the caller's token and request id travel along,
 * every call is bounded by a timeout, and a failed call becomes a stable, URL-free error
 * (the gateway then answers with the other subgraphs' data and nulls where this one's was).
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly subgraph: string;
  private readonly latency: Histogram<'subgraph' | 'outcome'>;
  private readonly resilience: ResilientTarget | undefined;

  constructor(options: SubgraphDataSourceOptions) {
    // undici on the gateway's keep-alive pool; the call's deadline bounds every attempt.
    const send = (url: string, init: SubgraphRequestInit, signal: AbortSignal) =>
      sendSubgraphRequest(
        url,
        withGatewaySignature(options.subgraphSecret, url, init) as SubgraphRequestInit,
        signal,
        options.dispatcher,
      );
    const { deduplicated } = options;
    const inflight = deduplicated
      ? new InflightFetches<SubgraphAnswer>(() => deduplicated.inc({ subgraph: options.name }))
      : undefined;
    super({
      url: options.url,
      fetcher: ((url: string, init: SubgraphRequestInit) => {
        const call = currentCall.getStore();
        const signal = call?.deadline ?? AbortSignal.timeout(options.timeoutMs);
        if (!inflight || !call?.shareable) return send(url, init, signal);
        // One request can have one deadline: the first caller's bounds it (joiners share its timeout, and stop waiting at their own).
        return inflight.fetch(requestKey(url, init), () => send(url, init, signal), signal);
      }) as unknown as RemoteGraphQLDataSource['fetcher'],
    });
    this.subgraph = options.name;
    this.latency = options.latency;
    this.resilience = options.resilience;
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = options.request.http?.headers;
    // A health check's context is an untyped record: read it as a context that may lack every field.
    const context: Partial<GatewayContext> = options.context;
    if (!headers) return;
    // Only a context built from an incoming request carries identity; health checks have none.
    if (context.requestId) headers.set('x-request-id', context.requestId);
    if (context.authorization) headers.set('authorization', context.authorization);
    // users limits sign-in attempts per client address: the real client's, not the BFF's.
    if (context.clientIp) headers.set(CLIENT_IP_HEADER, context.clientIp);
    // The request's trace continues in the subgraph (W3C traceparent; nothing when tracing is off).
    for (const [name, value] of Object.entries(injectTraceHeaders({}))) headers.set(name, value);
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const stop = this.latency.startTimer({ subgraph: this.subgraph });
    try {
      // Entity fetches and query fetches may be retried and shared; a mutation's fetch is sent once.
      const idempotent = options.request.query ? operationType(options.request.query) === OperationTypeNode.QUERY : false;
      const attempt = (deadline?: AbortSignal) =>
        currentCall.run({ deadline, shareable: idempotent }, () => super.process(options));
      const response = this.resilience ? await this.resilience.call(attempt, { idempotent }) : await attempt();
      stop({ outcome: 'ok' });
      return response;
    } catch (error) {
      const { failure, outcome } = this.failureOf(error, options);
      stop({ outcome });
      // Returned, not thrown: @apollo/gateway then places each error at the client's path of a
      // field this fetch should have filled (a thrown error would reach the client pathless).
      // Only a fetch of an incoming operation has a document (health checks and schema loads have none).
      const document = 'document' in options ? options.document : undefined;
      const paths = fetchErrorPaths({ document, query: options.request.query, variables: options.request.variables });
      if (paths.length === 0) throw failure;
      return { errors: paths.map((path) => ({ message: failure.message, path, extensions: failure.extensions })) };
    }
  }

  /** The stable, URL-free error a failed call becomes (timeouts and other failures are logged), and its metric outcome. */
  private failureOf(
    error: unknown,
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): { failure: GraphQLError; outcome: string } {
    if (error instanceof CircuitOpenError) {
      return {
        failure: new GraphQLError(error.message, { extensions: { code: 'CIRCUIT_OPEN', serviceName: this.subgraph } }),
        outcome: 'circuit_open',
      };
    }
    const timedOut = (error as Error).name === 'TimeoutError';
    const context: Partial<GatewayContext> = options.context;
    context.logger?.warn(
      { requestId: context.requestId, subgraph: this.subgraph, err: error },
      timedOut ? 'subgraph timed out' : 'subgraph call failed',
    );
    return timedOut
      ? {
          failure: new GraphQLError(`The ${this.subgraph} service did not answer in time.`, {
            extensions: { code: 'GATEWAY_TIMEOUT', serviceName: this.subgraph },
          }),
          outcome: 'timeout',
        }
      : {
          failure: new GraphQLError(`The ${this.subgraph} service is unavailable.`, {
            extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: this.subgraph },
          }),
          outcome: 'error',
        };
  }
}
