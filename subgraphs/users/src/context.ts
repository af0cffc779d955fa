import type { LoginAttemptLimiter } from '@storefront/rate-limits';
import type { SubgraphRequestContext } from '@storefront/subgraph-server';
import type { Loaders } from './loaders.js';
import type { UsersService } from './service.js';

/** Per-request context: the verified caller, this request's DataLoaders and the domain service. */
export interface Context extends SubgraphRequestContext {
  loaders: Loaders;
  users: UsersService;
  /** Failed sign-ins per account and per client address. */
  loginAttempts: LoginAttemptLimiter;
}
