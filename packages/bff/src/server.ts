import { hostname } from 'node:os';
import type { EventBus, Subscription } from '@storefront/events';
import { ApolloServer, type ApolloServerPlugin, type PersistedQueryOptions } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import {
  apolloDefaults,
  createGraphQLHttpServer,
  listen,
  type CorsOptions,
  type Logger,
  type NodeEnv,
  type ReadinessCheck,
  type RequestContext,
  type RequestInfo,
  type RunningServer,
  type ServiceMetrics,
} from '@storefront/server';
import type { DocumentNode } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import type { IRules } from 'graphql-shield';
import { Counter } from 'prom-client';
import type { CacheStore } from './cache-store.js';
import { GatewayClient } from './gateway-client.js';
import { startCacheInvalidation } from './invalidation.js';
import { responseCachePlugin, type CacheableContext } from './response-cache.js';
import { authorization, type AuthorizationContext } from './shield.js';

/** The `@cacheControl` directive Apollo Server's cache-control plugin reads hints from. */
export const cacheControlTypeDefs = /* GraphQL */ `
  enum CacheControlScope {
    PUBLIC
    PRIVATE
  }
  directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
`;

export type BffContext = RequestContext & CacheableContext & AuthorizationContext;

export interface BffServerOptions<Context extends BffContext> {
  /** `web` or `mobile`: names metrics and keeps cache entries apart. */
  clientType: string;
  typeDefs: DocumentNode | string;
  resolvers: object;
  rules: IRules;
  nodeEnv: NodeEnv;
  logger: Logger;
  metrics: ServiceMetrics;
  gatewayUrl: string;
  gatewayTimeoutMs: number;
  store: CacheStore;
  cors: CorsOptions;
  /** Builds the per-request context; gets the gateway client to put in it. */
  context: (request: RequestInfo, gateway: GatewayClient) => Promise<Context>;
  readiness?: ReadinessCheck[];
  /** More Apollo plugins (e.g. a safelist), run before the response cache. */
  plugins?: ApolloServerPlugin<Context>[];
  /** Automatic persisted queries: Apollo's in-memory default when omitted, none with `false`. */
  persistedQueries?: PersistedQueryOptions | false;
  /** Strong ETags on cacheable GET responses, and 304 for a matching If-None-Match. */
  etag?: boolean;
  /** Domain events that invalidate cached responses (product and order changes). */
  events?: BffEvents;
}

export interface BffEvents {
  bus: EventBus;
  streamPrefix?: string | undefined;
  /** This instance's name in its consumer group; defaults to host and pid. */
  consumer?: string;
  retryAfterMs?: number;
}

/**
 * A backend-for-frontend: its own schema (authorized field by field with graphql-shield,
 * deny by default), resolvers that call the gateway, and a response cache, on the same HTTP
 * front as every other server of the project.
 */
export function createBffServer<Context extends BffContext>(options: BffServerOptions<Context>) {
  const { logger, metrics, store, clientType } = options;
  const gatewayRequests = new Counter({
    name: 'bff_gateway_requests_total',
    help: 'Operations sent to the gateway, by operation name.',
    labelNames: ['operation'],
    registers: [metrics.registry],
  });
  const cacheLookups = new Counter({
    name: 'bff_response_cache_lookups_total',
    help: 'Response cache lookups: hit, miss, or skip (not cacheable).',
    labelNames: ['client', 'result'],
    registers: [metrics.registry],
  });
  const gateway = new GatewayClient({ url: options.gatewayUrl, timeoutMs: options.gatewayTimeoutMs, logger, requests: gatewayRequests });
  const schema = applyMiddleware(
    makeExecutableSchema({ typeDefs: [cacheControlTypeDefs, options.typeDefs], resolvers: options.resolvers as never }),
    authorization(options.rules),
  );
  const defaults = apolloDefaults<Context>({ nodeEnv: options.nodeEnv, logger, metrics });
  const apollo = new ApolloServer<Context>({
    schema,
    ...defaults,
    ...(options.persistedQueries !== undefined ? { persistedQueries: options.persistedQueries } : {}),
    plugins: [
      ...(defaults.plugins ?? []),
      ...(options.plugins ?? []),
      responseCachePlugin<Context>({ store, clientType, lookups: cacheLookups }),
    ],
  });

  let running: RunningServer | undefined;
  let invalidation: Subscription | undefined;
  return {
    apollo,
    gateway,
    metrics,
    logger,
    store,
    async listen(port: number, host?: string): Promise<RunningServer> {
      await apollo.start();
      const httpServer = createGraphQLHttpServer<Context>({
        apollo,
        logger,
        metrics,
        cors: options.cors,
        context: (request) => options.context(request, gateway),
        readiness: [{ name: 'cache', check: () => store.ping() }, ...(options.readiness ?? [])],
        ...(options.etag ? { etag: true } : {}),
      });
      running = await listen(httpServer, port, host);
      if (options.events) {
        invalidation = startCacheInvalidation({
          bus: options.events.bus,
          store,
          clientType,
          consumer: options.events.consumer ?? `${hostname()}-${process.pid}`,
          streamPrefix: options.events.streamPrefix,
          logger,
          ...(options.events.retryAfterMs ? { retryAfterMs: options.events.retryAfterMs } : {}),
        });
      }
      return running;
    },
    async stop(): Promise<void> {
      if (running) await running.close();
      await invalidation?.stop();
      await apollo.stop();
      await store.close();
    },
  };
}
