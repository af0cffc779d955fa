import { Agent, type Dispatcher } from 'undici';
import { DEFAULT_POOL, type PoolSettings } from './settings.js';

/** A keep-alive connection pool; pass it as `dispatcher` to undici's `fetch`. */
export function createConnectionPool(settings: PoolSettings = DEFAULT_POOL): Agent {
  return new Agent({
    connections: settings.connections,
    keepAliveTimeout: settings.keepAliveMs,
    keepAliveMaxTimeout: settings.keepAliveMs,
  });
}

export type { Dispatcher };
