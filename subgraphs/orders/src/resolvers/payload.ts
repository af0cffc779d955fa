import { GraphQLError } from 'graphql';
import { CatalogUnavailableError } from '../catalog-client.js';
import type { ResolversTypes } from '../generated/graphql.js';
import type { OrderResult } from '../service.js';

export function orderPayload(result: OrderResult): ResolversTypes['OrderPayload'] {
  return result.ok ? { order: result.order, userErrors: [] } : { order: null, userErrors: result.errors };
}

/**
 * The catalog being down is neither the caller's fault nor a bug here: it reaches the client
 * as CATALOG_UNAVAILABLE (nothing was placed; retry later).
 */
export async function orCatalogUnavailable<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CatalogUnavailableError) {
      throw new GraphQLError('The catalog is unavailable, so the order could not be placed. Please try again.', {
        extensions: { code: 'CATALOG_UNAVAILABLE' },
        originalError: error,
      });
    }
    throw error;
  }
}
