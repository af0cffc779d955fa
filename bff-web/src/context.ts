import type { Logger } from '@storefront/http-server';
import type { BffContext, CacheStore, GatewayBatch, GatewayClient, SessionRefresher } from '@storefront/bff';
import type { Viewer } from '@storefront/auth';
import type { WebSession } from './session.js';

/** Per-request context of the web BFF. */
export interface WebContext extends BffContext {
  viewer: Viewer | undefined;
  /** The access token the gateway calls carry; undefined when signed out. */
  accessToken: string | undefined;
  /** Locale from Accept-Language, for formatted prices. */
  locale: string;
  gateway: GatewayClient;
  /** Gateway reads of this request, batched into one operation per tick. */
  batch: GatewayBatch;
  session: WebSession;
  /** Shares refreshes between concurrent requests; told to forget them on sign-out. */
  refresher: SessionRefresher;
  /** Drops cached responses built from changed entities. */
  store: CacheStore;
  logger?: Logger;
}
