import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import type { Histogram } from 'prom-client';
import type { GatewayContext } from './context.js';

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  timeoutMs: number;
  latency: Histogram<'subgraph' | 'outcome'>;
}

/**
 * One subgraph as the gateway calls it: the caller's token and request id travel along,
 * every call is bounded by a timeout, and a failed call becomes a stable, URL-free error
 * (the gateway then answers with the other subgraphs' data and nulls where this one's was).
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly subgraph: string;
  private readonly latency: Histogram<'subgraph' | 'outcome'>;

  constructor(options: SubgraphDataSourceOptions) {
    super({
      url: options.url,
      // Node's fetch (undici) keeps connections alive; the signal bounds each call.
      fetcher: ((url: string, init: RequestInit) =>
        fetch(url, { ...init, signal: AbortSignal.timeout(options.timeoutMs) })) as unknown as RemoteGraphQLDataSource['fetcher'],
    });
    this.subgraph = options.name;
    this.latency = options.latency;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    // Only a context built from an incoming request carries identity; health checks have none.
    if (context.requestId) headers.set('x-request-id', context.requestId);
    if (context.authorization) headers.set('authorization', context.authorization);
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const stop = this.latency.startTimer({ subgraph: this.subgraph });
    try {
      const response = await super.process(options);
      stop({ outcome: 'ok' });
      return response;
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      stop({ outcome: timedOut ? 'timeout' : 'error' });
      options.context.logger?.warn(
        { requestId: options.context.requestId, subgraph: this.subgraph, err: error },
        timedOut ? 'subgraph timed out' : 'subgraph call failed',
      );
      throw timedOut
        ? new GraphQLError(`The ${this.subgraph} service did not answer in time.`, {
            extensions: { code: 'GATEWAY_TIMEOUT', serviceName: this.subgraph },
          })
        : new GraphQLError(`The ${this.subgraph} service is unavailable.`, {
            extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: this.subgraph },
          });
    }
  }
}
