import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Subscription } from '@storefront/events';
import { ApolloServer, type ApolloServerPlugin, type PersistedQueryOptions } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import {
  apolloDefaults,
  createGraphQLHttpServer,
  listen,
  type CorsOptions,
  type DocumentLimits,
  type Logger,
  type NodeEnv,
  type ReadinessCheck,
  type RequestContext,
  type RequestInfo,
  type RunningServer,
  type ServiceMetrics,
} from '@storefront/http-server';
import { clientAddressResolver } from '@storefront/request-identity';
import { type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import type { IRules } from 'graphql-shield';
import { Counter } from 'prom-client';
import type { CacheStore } from './cache-store.js';
import { GatewayClient } from './gateway-client.js';
import { createGatewayResilience } from './gateway-resilience.js';
import type { OutboundSettings } from '@storefront/outbound';
import type { BffDomainEvents, BffEvents } from './domain-events.js';
import { plainHttpSubscriptionRefusal, varyPlugin } from './apollo-plugins.js';
import { startCacheInvalidation } from './invalidation.js';
import { OperationProfiles, ResponseCache, responseCachePlugin, type CacheableContext } from './response-cache.js';
import { requestPipeline, type AdmittedRequest, type BffCaller } from './request-pipeline.js';
import { authorization, type AuthorizationContext } from './shield.js';
import { createBffLimiters, type BffRateLimits, type RateLimitContext } from './rate-limits.js';
import type { TrustProxy } from '@storefront/request-identity';
import { LiveConnections, type LiveLimits } from './live/connections.js';
import type { LiveContext } from './live/feed.js';
import { LiveEvents, liveMetrics } from './live/hub.js';
import { maskLiveResult, prepareLiveOperation, type LiveOperationOptions } from './live/operation.js';
import { liveSseHandler, type LiveTransportOptions } from './live/sse.js';
import { attachLiveWebSockets } from './live/ws.js';

/** The `@cacheControl` directive Apollo Server's cache-control plugin reads hints from. */
export const cacheControlTypeDefs = /* GraphQL */ `
  enum CacheControlScope {
    PUBLIC
    PRIVATE
  }
  directive @cacheControl(
    maxAge: Int
    scope: CacheControlScope
    inheritMaxAge: Boolean
  ) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
`;

export type BffContext = RequestContext & CacheableContext & AuthorizationContext & RateLimitContext & LiveContext;

export interface BffServerOptions<Context extends BffContext, Caller extends BffCaller> {
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
  /** Keep-alive pool, query retries and circuit breaker of gateway calls (GATEWAY_* settings); defaults when omitted. */
  gatewayResilience?: OutboundSettings;
  store: CacheStore;
  cors: CorsOptions;
  /** This client type's document limits (depth, aliases, cost, page size, ...); none when omitted. */
  limits?: DocumentLimits;
  /** Largest request body in bytes (413 above); the HTTP front's default when omitted. */
  maxBodyBytes?: number;
  /** Request budgets (per user, per address) and sign-in attempt limits; none when omitted. */
  rateLimits?: BffRateLimits;
  /** Proxies allowed to name the client's address (TRUST_PROXY); none when omitted. */
  trustProxy?: TrustProxy;
  /**
   * Who calls: the request's credentials checked once, without side effects (a session to
   * refresh is the context's to do: the caller is then not `settled`).
   */
  identify: (request: RequestInfo) => Promise<Caller>;
  /** Builds the per-request context from the identified caller; gets the gateway client to put in it. */
  context: (request: RequestInfo, caller: Caller, gateway: GatewayClient) => Promise<Context>;
  /** Operations whose PUBLIC answer differs for signed-in callers: cached apart. */
  variesBySignIn?: (operation: OperationDefinitionNode, document: DocumentNode) => boolean;
  /** A Vary header for every GraphQL response (what shared HTTP caches must key on). */
  vary?: string;
  readiness?: ReadinessCheck[];
  /** More Apollo plugins (e.g. a safelist), run before the response cache. */
  plugins?: ApolloServerPlugin<Context>[];
  /** Automatic persisted queries: Apollo's in-memory default when omitted, none with `false`. */
  persistedQueries?: PersistedQueryOptions | false;
  /** Strong ETags on cacheable GET responses, and 304 for a matching If-None-Match. */
  etag?: boolean;
  /** The bus of the domain events that invalidate cached responses and feed live updates; neither without it. */
  events?: BffEvents;
  /** What the domains' events mean to this BFF, handed in by it: this runtime names no domain. */
  domainEvents: BffDomainEvents;
  /** Subscriptions: over SSE (web) or WebSocket (mobile) on /graphql; they need `events`. */
  live?: {
    transport: 'sse' | 'websocket';
    limits: LiveLimits;
    /** Persisted subscription documents, as for queries (mobile). */
    persisted?: LiveOperationOptions['persisted'];
  };
  /** Stops what the BFF built beside the server (e.g. its session revocation lookups) once it has stopped. */
  onStop?: () => Promise<void>;
}

/**
 * A backend-for-frontend: its own schema (authorized field by field with graphql-shield,
 * deny by default), resolvers that call the gateway, and a response cache, on the same HTTP
 * front as every other server of the project.
 */
export function createBffServer<Context extends BffContext, Caller extends BffCaller>(
  options: BffServerOptions<Context, Caller>,
) {
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
  const gateway = new GatewayClient({
    url: options.gatewayUrl,
    timeoutMs: options.gatewayTimeoutMs,
    logger,
    requests: gatewayRequests,
    resilience: createGatewayResilience({
      timeoutMs: options.gatewayTimeoutMs,
      settings: options.gatewayResilience,
      registry: metrics.registry,
      logger,
    }),
  });
  const limiters = options.rateLimits ? createBffLimiters(clientType, options.rateLimits, metrics, store.redis) : undefined;
  const cache = new ResponseCache(store, clientType, cacheLookups);
  const schema = applyMiddleware(
    makeExecutableSchema({ typeDefs: [cacheControlTypeDefs, options.typeDefs], resolvers: options.resolvers as never }),
    authorization(options.rules),
  );
  const profiles = new OperationProfiles();
  const pipeline = requestPipeline<Caller>({
    identify: options.identify,
    cache,
    profiles,
    budget: limiters?.requests,
    vary: options.vary,
  });
  const defaults = apolloDefaults<Context>({
    nodeEnv: options.nodeEnv,
    logger,
    metrics,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const apollo = new ApolloServer<Context>({
    schema,
    ...defaults,
    ...(options.persistedQueries !== undefined ? { persistedQueries: options.persistedQueries } : {}),
    plugins: [
      ...(defaults.plugins ?? []),
      ...(options.plugins ?? []),
      ...(options.vary ? [varyPlugin<Context>(options.vary)] : []),
      plainHttpSubscriptionRefusal<Context>(options.live?.transport),
      responseCachePlugin<Context>({
        cache,
        profiles,
        ...(options.variesBySignIn ? { variesBySignIn: options.variesBySignIn } : {}),
      }),
    ],
  });

  let running: RunningServer | undefined;
  let invalidation: Subscription | undefined;
  const live = options.live && options.events ? startLive(options.live, options.events) : undefined;

  /** The live side: one broadcast of the domain events per instance, the connection registry, the transport's shared options. */
  function startLive(settings: NonNullable<BffServerOptions<Context, Caller>['live']>, events: BffEvents) {
    const metricsOfLive = liveMetrics(metrics.registry, clientType);
    const hub = new LiveEvents({
      bus: events.bus,
      streamPrefix: events.streamPrefix,
      domains: options.domainEvents.followed,
      sessions: options.domainEvents.sessions,
      logger,
      metrics: metricsOfLive,
    });
    const connections = new LiveConnections(settings.limits, metricsOfLive, clientType);
    const transport: LiveTransportOptions<Context> = {
      clientType,
      events: hub,
      connections,
      metrics: metricsOfLive,
      maxBufferedBytes: settings.limits.maxBufferedBytes,
      context: async (request) => {
        const context = await options.context(request, await options.identify(request), gateway);
        context.clientIp = request.ip;
        return context;
      },
      prepare: prepareLiveOperation({ schema, nodeEnv: options.nodeEnv, limits: options.limits, persisted: settings.persisted }),
      mask: maskLiveResult(options.nodeEnv),
      ...(limiters ? { charge: (caller) => limiters.requests.charge(caller) } : {}),
    };
    return { settings, hub, connections, transport, webSockets: undefined as { close(): Promise<void> } | undefined };
  }
  return {
    apollo,
    gateway,
    metrics,
    logger,
    store,
    async listen(port: number, host?: string): Promise<RunningServer> {
      await apollo.start();
      // Attached before the first subscriber arrives: every subscription then reads its current state after it listens.
      await live?.hub.start();
      const httpServer = createGraphQLHttpServer<Context, AdmittedRequest<Caller>>({
        apollo,
        logger,
        metrics,
        cors: options.cors,
        context: async (request, early) => {
          const admitted = await pipeline.admitted(request, early);
          const context = await options.context(request, admitted.caller, gateway);
          context.clientIp = request.ip;
          context.liveEvents = live?.hub;
          context.cacheMissed = admitted.missedKey;
          if (limiters) context.loginAttempts = limiters.loginAttempts;
          // Per user once the session says who it is (after a refresh too), per address otherwise.
          await pipeline.charge(admitted, { userId: context.viewer?.id, ip: request.ip });
          return context;
        },
        ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
        readiness: [{ name: 'cache', check: () => store.ping() }, ...(options.readiness ?? [])],
        ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
        ...(options.limits
          ? { maxDocumentBytes: options.limits.maxDocumentBytes, maxDirectives: options.limits.maxDirectives }
          : {}),
        ...(options.etag ? { etag: true } : {}),
        earlyAnswer: pipeline.earlyAnswer,
        ...(live?.settings.transport === 'sse' ? { eventStream: liveSseHandler(live.transport) } : {}),
      });
      if (live?.settings.transport === 'websocket') {
        const clientAddress = clientAddressResolver(options.trustProxy);
        live.webSockets = attachLiveWebSockets(httpServer, {
          ...live.transport,
          keepAliveMs: live.settings.limits.keepAliveMs,
          subscriptionsPerConnection: live.settings.limits.subscriptionsPerConnection,
          maxMessageBytes: options.maxBodyBytes ?? 1_000_000,
          describe: (request, authorization) => ({
            requestId: randomUUID(),
            headers: { ...request.headers, authorization },
            header: (name) => (name === 'authorization' ? authorization : [request.headers[name]].flat()[0]),
            ip: clientAddress(request.socket.remoteAddress, request.headers['x-forwarded-for']),
            setCookie: () => undefined,
          }),
        });
      }
      running = await listen(httpServer, port, host);
      if (options.events) {
        invalidation = startCacheInvalidation({
          bus: options.events.bus,
          cache,
          domains: options.domainEvents.followed,
          consumer: options.events.consumer ?? `${hostname()}-${process.pid}`,
          streamPrefix: options.events.streamPrefix,
          logger,
          ...(options.events.retryAfterMs ? { retryAfterMs: options.events.retryAfterMs } : {}),
        });
      }
      return running;
    },
    async stop(): Promise<void> {
      // Live connections first: they never end by themselves, so the listener could not close. Clients reconnect elsewhere.
      await live?.webSockets?.close();
      live?.connections.closeAll();
      await live?.hub.stop();
      if (running) await running.close();
      await invalidation?.stop();
      await apollo.stop();
      await gateway.close();
      await limiters?.close();
      await store.close();
      await options.onStop?.();
    },
  };
}
