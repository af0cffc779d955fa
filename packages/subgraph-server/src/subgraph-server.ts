import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { CLIENT_IP_HEADER, TokenError, viewerFromAuthorization, type Viewer } from '@storefront/auth';
import {
  apolloDefaults,
  createGraphQLHttpServer,
  listen,
  type Logger,
  type NodeEnv,
  type ReadinessOutcome,
  type RequestContext,
  type RequestInfo,
  type RunningServer,
  type ServiceMetrics,
} from '@storefront/http-server';
import type { RedisConnection } from '@storefront/redis';
import { NonceStore, gatewaySignatureGuard } from '@storefront/request-identity';
import { GraphQLError, type DocumentNode } from 'graphql';

/** What every subgraph's per-request context starts from. */
export interface SubgraphRequestContext extends RequestContext {
  /** The verified caller; undefined when anonymous. */
  viewer: Viewer | undefined;
  /** The caller's Authorization header, for calls this subgraph makes to others on its behalf. */
  authorization: string | undefined;
  /** The client's address as the gateway named it (signed), else the peer's. */
  clientIp: string;
}

/**
 * Verifies the access token of a request. A token that is present but broken or expired is
 * refused outright (UNAUTHENTICATED, HTTP 401) instead of being treated as anonymous, so a
 * client learns it must refresh rather than silently seeing less.
 */
async function authenticate(request: RequestInfo, jwtSecret: string): Promise<SubgraphRequestContext> {
  const authorization = request.header('authorization');
  try {
    const viewer = await viewerFromAuthorization(authorization, jwtSecret);
    // Only a request whose signature covers it gets this far with the header (gatewaySignatureGuard).
    return { requestId: request.requestId, viewer, authorization, clientIp: request.header(CLIENT_IP_HEADER) ?? request.ip };
  } catch (error) {
    if (error instanceof TokenError) {
      throw new GraphQLError(error.message, {
        extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
      });
    }
    throw error;
  }
}

/** The settings every subgraph's config carries (its zod config object satisfies this). */
interface SubgraphSettings {
  NODE_ENV: NodeEnv;
  JWT_SECRET: string;
  /**
   * Every GraphQL request (`_entities` and `_service` included) must carry the gateway's
   * signature made with it, or is refused (403 FORBIDDEN). Health and metrics stay open.
   */
  SUBGRAPH_SECRET: string;
  /** How old a signature may be. */
  SUBGRAPH_SIGNATURE_MAX_AGE_SECONDS?: number;
  /** Where nonces of signed requests are kept, shared by every instance (REDIS_URL or REDIS_CLUSTER_NODES); unset → in process. */
  redis?: RedisConnection | undefined;
  SUBGRAPH_NONCE_KEY_PREFIX?: string;
}

/** The database a subgraph owns: readiness checks it, stopping closes it last. */
interface SubgraphDatabase {
  pool: { query(sql: string): Promise<unknown>; end(): Promise<void> };
  /** Closes the ORM's side (e.g. `prisma.$disconnect`) before the pool ends. */
  disconnect(): Promise<void>;
  /**
   * Whether the database has every migration this build ships (`migrationReadiness` of
   * @storefront/db): part of readiness, and checked once when the server starts listening so
   * a database behind its migrations is logged at once.
   */
  migrations?: { check(): Promise<ReadinessOutcome> };
}

interface SubgraphServerOptions<Context extends SubgraphRequestContext> {
  typeDefs: DocumentNode;
  // Generated resolver maps are stricter than Apollo's loose map type; both describe the same object.
  resolvers: object;
  settings: SubgraphSettings;
  logger: Logger;
  metrics: ServiceMetrics;
  database: SubgraphDatabase;
  /** What this subgraph adds to the verified caller's context (loaders, services). */
  context: (caller: SubgraphRequestContext) => Omit<Context, keyof SubgraphRequestContext>;
  /** Stops what runs beside the server (e.g. event consumers) before the database closes. */
  onStop?: () => Promise<void>;
}

/**
 * Pool options of a subgraph: each statement counted on /metrics (the N+1 guard), and an
 * idle connection's failure logged instead of crashing the process.
 */
export function subgraphPoolOptions(metrics: ServiceMetrics, logger: Logger, max: number) {
  return {
    max,
    onStatement: () => metrics.sqlStatements.inc(),
    onIdleError: (error: Error) => logger.warn({ err: error }, 'idle database connection failed'),
  };
}

interface SubgraphServer {
  apollo: ApolloServer<SubgraphRequestContext>;
  /** Starts Apollo and listens on `port` (0 picks a free one). */
  listen(port: number, host?: string): Promise<RunningServer>;
  /** Stops accepting, finishes in-flight requests, then closes pools. */
  stop(): Promise<void>;
}

/** A federation subgraph served by Apollo Server on the project's HTTP front. */
export function createSubgraphServer<Context extends SubgraphRequestContext>(
  options: SubgraphServerOptions<Context>,
): SubgraphServer {
  const { logger, metrics } = options;
  const schema = buildSubgraphSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers as GraphQLResolverMap<unknown> });
  const { settings, database } = options;
  const { migrations } = database;
  const defaults = apolloDefaults<Context>({ nodeEnv: settings.NODE_ENV, logger, metrics });
  const apollo = new ApolloServer<Context>({
    schema,
    ...defaults,
    plugins: [
      ...(defaults.plugins ?? []),
      // Federated tracing costs every request; nothing here reads it.
      ApolloServerPluginInlineTraceDisabled(),
    ],
  });
  // Each signature works once: a captured request cannot be replayed while it is fresh.
  const nonces = new NonceStore({ redis: settings.redis, keyPrefix: settings.SUBGRAPH_NONCE_KEY_PREFIX ?? 'nonce:', logger });
  let running: RunningServer | undefined;
  return {
    apollo: apollo as unknown as ApolloServer<SubgraphRequestContext>,
    async listen(port, host) {
      await apollo.start();
      const httpServer = createGraphQLHttpServer({
        apollo,
        context: async (request) => {
          const caller = await authenticate(request, settings.JWT_SECRET);
          return { ...caller, ...options.context(caller) } as Context;
        },
        logger,
        metrics,
        readiness: [
          {
            name: 'database',
            check: () =>
              database.pool.query('SELECT 1').then(
                () => true,
                () => false,
              ),
          },
          ...(migrations ? [{ name: 'migrations', check: () => migrations.check() }] : []),
        ],
        guard: gatewaySignatureGuard(settings.SUBGRAPH_SECRET, settings.SUBGRAPH_SIGNATURE_MAX_AGE_SECONDS, nonces),
      });
      running = await listen(httpServer, port, host);
      await migrations?.check();
      return running;
    },
    async stop() {
      if (running) await running.close();
      await apollo.stop();
      await options.onStop?.();
      await database.disconnect();
      await database.pool.end();
      await nonces.close();
    },
  };
}
