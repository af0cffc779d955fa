import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { TokenError, viewerFromAuthorization } from '@storefront/auth';
import {
  apolloDefaults,
  createGraphQLHttpServer,
  createLogger,
  createMetrics,
  documentLimits,
  listen,
  type Logger,
  type RunningServer,
} from '@storefront/http-server';
import { GraphQLError } from 'graphql';
import { Counter, Histogram } from 'prom-client';
import { subgraphUrlOverride, type GatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { SubgraphDataSource } from './data-source.js';
import { createSubgraphResilience, subgraphTimeoutMs } from './resilience.js';
import { supergraphFromFile } from './supergraph.js';
import { RateLimitStore, RequestRateLimiter, rateLimitedStatusPlugin } from '@storefront/rate-limits';
import { SessionRevocations } from '@storefront/request-identity';

/**
 * The federation gateway: @apollo/gateway on Apollo Server, serving a supergraph composed
 * ahead of time (never introspecting subgraphs), verifying the caller's token before it
 * forwards it, and bounding every subgraph call.
 */
export function createGatewayServer({
  config,
  logger = createLogger('gateway', config.LOG_LEVEL),
}: {
  config: GatewayConfig;
  logger?: Logger;
}) {
  const metrics = createMetrics('gateway');
  const subgraphLatency = new Histogram({
    name: 'gateway_subgraph_request_duration_seconds',
    help: 'Calls from the gateway to each subgraph, retries included, by outcome (ok, error, timeout, circuit_open).',
    labelNames: ['subgraph', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [metrics.registry],
  });
  const deduplicated = new Counter({
    name: 'gateway_subgraph_deduplicated_requests_total',
    help: 'Subgraph fetches that waited for an identical one in flight instead of being sent (SUBGRAPH_DEDUPLICATE_INFLIGHT).',
    labelNames: ['subgraph'],
    registers: [metrics.registry],
  });
  // Keep-alive pool, per-subgraph breakers and retry budgets (circuit_state on /metrics).
  const resilience = createSubgraphResilience(config, metrics.registry, logger);
  // Requests per user, or per client address for anonymous callers (X-Forwarded-For from the BFFs when TRUST_PROXY names them).
  const rateLimitStore = new RateLimitStore(config.redis);
  const rateLimiter = new RequestRateLimiter({
    store: rateLimitStore,
    name: 'gateway',
    keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
    perUser: config.RATE_LIMIT_PER_USER,
    perIp: config.RATE_LIMIT_PER_IP,
    windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
    rejections: metrics.rateLimited,
  });
  // Sessions the users service ended (a reused refresh token, a sign-out): their tokens are refused before they expire.
  const revokedSessions = SessionRevocations.fromConfig(config, logger);
  let supergraphLoaded = false;
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFromFile(config.SUPERGRAPH_PATH, logger),
    // A caller's `Apollo-Query-Plan-Experimental` header gets the query plan (subgraphs and their
    // operations) outside production only; @apollo/gateway would go by process.env.NODE_ENV.
    __exposeQueryPlanExperimental: config.NODE_ENV !== 'production',
    buildService: ({ name, url }) =>
      new SubgraphDataSource({
        name,
        url: subgraphUrlOverride(config, name) ?? url ?? '',
        timeoutMs: subgraphTimeoutMs(config, name),
        latency: subgraphLatency,
        resilience: resilience.target(name),
        dispatcher: resilience.dispatcher,
        subgraphSecret: config.SUBGRAPH_SECRET,
        ...(config.SUBGRAPH_DEDUPLICATE_INFLIGHT ? { deduplicated } : {}),
      }),
    logger,
  });
  gateway.onSchemaLoadOrUpdate(() => {
    supergraphLoaded = true;
  });
  const defaults = apolloDefaults<GatewayContext>({ nodeEnv: config.NODE_ENV, logger, metrics, limits: documentLimits(config) });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    ...defaults,
    // A sign-in refused by users' attempt limits is a 429 here, as at the BFFs.
    plugins: [...(defaults.plugins ?? []), rateLimitedStatusPlugin<GatewayContext>()],
  });

  let running: RunningServer | undefined;
  return {
    apollo,
    metrics,
    logger,
    async listen(port: number, host?: string): Promise<RunningServer> {
      await apollo.start();
      const httpServer = createGraphQLHttpServer<GatewayContext>({
        apollo,
        logger,
        metrics,
        context: async (request) => {
          const authorization = request.header('authorization');
          let viewer: Awaited<ReturnType<typeof viewerFromAuthorization>>;
          try {
            // Identity is forwarded only when proven; a bad token never reaches a subgraph.
            viewer = await viewerFromAuthorization(authorization, config.JWT_SECRET, revokedSessions);
          } catch (error) {
            if (!(error instanceof TokenError)) throw error;
            throw new GraphQLError(error.message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
          }
          await rateLimiter.consume({ userId: viewer?.id, ip: request.ip });
          return { requestId: request.requestId, authorization, clientIp: request.ip, logger };
        },
        readiness: [{ name: 'supergraph', check: async () => supergraphLoaded }],
        trustProxy: config.TRUST_PROXY,
        maxBodyBytes: config.MAX_BODY_BYTES,
        maxDocumentBytes: config.MAX_DOCUMENT_BYTES,
        maxDirectives: config.MAX_DIRECTIVES,
      });
      running = await listen(httpServer, port, host);
      return running;
    },
    async stop(): Promise<void> {
      if (running) await running.close();
      await apollo.stop();
      await resilience.close();
      await rateLimitStore.close();
      await revokedSessions.close();
    },
  };
}
