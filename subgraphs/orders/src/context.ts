import type { SubgraphRequestContext } from '@storefront/subgraph-server';
import type { Loaders } from './loaders.js';
import type { OrdersService } from './service.js';

/** Per-request context: the verified caller, this request's DataLoaders and the domain service. */
export interface Context extends SubgraphRequestContext {
  loaders: Loaders;
  orders: OrdersService;
}
