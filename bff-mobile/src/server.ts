import { readFileSync } from 'node:fs';
import { catalogCacheEffects } from '@storefront/catalog-events';
import { orderCacheEffects } from '@storefront/orders-events';
import { sessionEvents } from '@storefront/users-events';
import {
  bffServerSettings,
  createBffServer,
  createGatewayBatch,
  liveLimits,
  negotiateLocale,
  persistedQueryCache,
  preferredLanguage,
  readPersistedQueryManifest,
  safelistPlugin,
  type BffCaller,
  type BffServerParams,
} from '@storefront/bff';
import type { RequestInfo } from '@storefront/http-server';
import { SANDBOX_ORIGIN, type MobileConfig } from './config.js';
import type { MobileContext } from './context.js';
import { LANGUAGES } from './display.js';
import { bearerPlugin, variesBySignIn } from './plugins.js';
import { resolvers } from './resolvers/index.js';
import { rules } from './rules.js';
import { authenticateBearer, type BearerIdentity } from './session.js';

const typeDefs = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');

/** The app's operations (built by `npm run manifest:mobile` from contracts/mobile). */
export const MANIFEST_PATH = new URL('../persisted-queries.json', import.meta.url);

/**
 * The mobile BFF, ready to listen; tests build it without opening a fixed port. Outside
 * production it runs any operation and registers automatic persisted queries in the store;
 * in production it runs only the operations of the app's manifest (a safelist).
 */
export function createMobileServer(params: BffServerParams<MobileConfig>) {
  const { config } = params;
  const production = config.NODE_ENV === 'production';
  const manifest = readPersistedQueryManifest(MANIFEST_PATH);

  // Sessions the users service ended: their bearer tokens are refused before they expire.
  const { revokedSessions, settings } = bffServerSettings('bff-mobile', params);
  const { logger, metrics, store } = settings;
  return createBffServer<MobileContext, MobileCaller>({
    clientType: 'mobile',
    typeDefs,
    resolvers,
    rules,
    ...settings,
    domainEvents: { followed: [orderCacheEffects, catalogCacheEffects], sessions: sessionEvents },
    // Subscriptions over WebSocket, persisted like queries: in production only the manifest's documents run.
    live: { transport: 'websocket', limits: liveLimits(config), persisted: { manifest, only: production } },
    // Apps need no CORS; Sandbox does, outside production.
    cors: { origins: production ? [] : [SANDBOX_ORIGIN] },
    persistedQueries: {
      cache: persistedQueryCache(store, { namespace: 'mobile', manifest, manifestOnly: production, logger }),
    },
    plugins: [...(production ? [safelistPlugin<MobileContext>(manifest)] : []), bearerPlugin()],
    variesBySignIn,
    // Responses depend on the bearer token and on Accept-Language (and, for browsers, on the
    // Origin that CORS answers): shared HTTP caches must key on them.
    vary: 'Origin, Authorization, Accept-Language',
    etag: true,
    identify: async (request) => {
      const identity = await authenticateBearer(request, config.JWT_SECRET, revokedSessions);
      const display = displayVariant(request);
      // A refused token is answered by the context's bearerPlugin (401), never from the cache.
      return { ...identity, ...display, variant: display.cacheVariant, settled: !identity.authError };
    },
    context: async (request, { viewer, accessToken, authError, locale, language, cacheVariant }, gateway) => {
      const context: MobileContext = {
        requestId: request.requestId,
        viewer,
        accessToken,
        authError,
        locale,
        language,
        cacheVariant,
        cacheTags: new Set(),
        startedAt: Date.now(),
        gateway,
        batch: createGatewayBatch(
          gateway,
          () => ({ requestId: request.requestId, clientIp: request.ip, accessToken }),
          logger,
          metrics.dataloaderBatchSize,
        ),
        store,
        logger,
      };
      return context;
    },
  });
}

/** The bearer token's verdict and the display variant, worked out once per request. */
type MobileCaller = BearerIdentity & ReturnType<typeof displayVariant> & BffCaller;

/** The locale of prices and the language of labels, which every cached answer is kept apart by. */
function displayVariant(request: RequestInfo) {
  const acceptLanguage = request.header('accept-language');
  const locale = negotiateLocale(acceptLanguage);
  const language = preferredLanguage(acceptLanguage, LANGUAGES);
  return { locale, language, cacheVariant: `${locale}|${language}` };
}
