import type { Logger } from '@storefront/http-server';
import type { BffContext, CacheStore, GatewayBatch, GatewayClient } from '@storefront/bff';
import type { Viewer } from '@storefront/auth';
import type { GraphQLError } from 'graphql';
import type { Language } from './display.js';

/** Per-request context of the mobile BFF. */
export interface MobileContext extends BffContext {
  /** Who the bearer token names; undefined when anonymous (or when the token was refused). */
  viewer: Viewer | undefined;
  /** The access token the gateway calls carry; undefined when anonymous. */
  accessToken: string | undefined;
  /**
   * Set when the request carried an expired, forged or malformed token: every operation but
   * logIn and refreshSession is then refused with it (401), see `bearerPlugin`.
   */
  authError: GraphQLError | undefined;
  /** Locale from Accept-Language, for formatted prices. */
  locale: string;
  /** Language of the texts this BFF writes (stock labels), from Accept-Language. */
  language: Language;
  gateway: GatewayClient;
  /** Gateway reads of this request, batched into one operation per tick. */
  batch: GatewayBatch;
  /** Drops cached responses built from changed entities. */
  store: CacheStore;
  logger?: Logger;
}
