import { readFileSync } from 'node:fs';
import { catalogCacheEffects } from '@storefront/catalog-events';
import { orderCacheEffects } from '@storefront/orders-events';
import { sessionEvents } from '@storefront/users-events';
import {
  SessionRefresher,
  bffServerSettings,
  createBffServer,
  liveLimits,
  createGatewayBatch,
  type BffServerParams,
} from '@storefront/bff';
import { SANDBOX_ORIGIN, type WebConfig } from './config.js';
import type { WebContext } from './context.js';
import { resolvers } from './resolvers/index.js';
import { rules } from './rules.js';
import { exchangeRefreshToken, identifyByCookies, resolveWebSession, type CookieCaller } from './session.js';

const typeDefs = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');

/** The web BFF, ready to listen; tests build it without opening a fixed port. */
export function createWebServer(params: BffServerParams<WebConfig>) {
  const { config } = params;
  const production = config.NODE_ENV === 'production';
  const cookies = { secure: config.NODE_ENV !== 'development' };
  // Set once the server (and its gateway client) exists; contexts are only built after that.
  let refresher!: SessionRefresher;

  // Sessions the users service ended: their access cookies are refused before they expire.
  const { revokedSessions, settings } = bffServerSettings('bff-web', params);
  const { logger, metrics, store } = settings;
  const server = createBffServer<WebContext, CookieCaller>({
    clientType: 'web',
    typeDefs,
    resolvers,
    rules,
    ...settings,
    domainEvents: { followed: [orderCacheEffects, catalogCacheEffects], sessions: sessionEvents },
    live: { transport: 'sse', limits: liveLimits(config) },
    cors: { origins: production ? config.WEB_ORIGINS : [...config.WEB_ORIGINS, SANDBOX_ORIGIN] },
    identify: (request) => identifyByCookies(request, config.JWT_SECRET, revokedSessions),
    context: async (request, caller, gateway) => {
      const session = await resolveWebSession(request, caller, { jwtSecret: config.JWT_SECRET, cookies, refresher });
      const locale = caller.variant;
      const context: WebContext = {
        requestId: request.requestId,
        viewer: session.viewer,
        accessToken: session.accessToken,
        session,
        refresher,
        locale,
        cacheVariant: locale,
        cacheTags: new Set(),
        startedAt: Date.now(),
        gateway,
        batch: createGatewayBatch(
          gateway,
          () => ({ requestId: request.requestId, clientIp: request.ip, accessToken: session.accessToken }),
          logger,
          metrics.dataloaderBatchSize,
        ),
        store,
        logger,
      };
      return context;
    },
  });
  refresher = new SessionRefresher(store, exchangeRefreshToken(server.gateway));
  return server;
}
