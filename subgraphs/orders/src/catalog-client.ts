import { injectTraceHeaders } from '@storefront/http-server';
import { signSubgraphRequest } from '@storefront/auth';

/** What placing an order needs to know about a product: its current price and stock. */
export interface CatalogProduct {
  id: string;
  price: { amount: number; currency: string };
  stockQuantity: number;
}

/** Who the call is made for: forwarded so the catalog sees the same caller and request id. */
export interface CallerHeaders {
  authorization: string | undefined;
  requestId: string;
}

/** The catalog could not answer (down, slow, or an unexpected response); nothing was decided. */
export class CatalogUnavailableError extends Error {
  override name = 'CatalogUnavailableError';
}

const PRODUCTS_QUERY = `query OrdersProductsForOrder($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Product { id price { amount currency } stockQuantity }
  }
}`;

interface EntitiesResponse {
  data?: { _entities?: Array<CatalogProduct | null> } | null;
  errors?: Array<{ message?: string; extensions?: { code?: string } }>;
}

/** Reads products from the catalog subgraph over HTTP, all in one `_entities` request. */
export class CatalogClient {
  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
    /** `SUBGRAPH_SECRET`: the catalog accepts only requests signed with it, as the gateway's are. */
    private readonly subgraphSecret: string,
  ) {}

  /** The products of `ids`, by id; unknown ids are missing from the map. */
  async products(ids: readonly string[], caller: CallerHeaders): Promise<Map<string, CatalogProduct>> {
    const found = new Map<string, CatalogProduct>();
    if (ids.length === 0) return found;
    let body: EntitiesResponse;
    try {
      const requestBody = JSON.stringify({
        operationName: 'OrdersProductsForOrder',
        query: PRODUCTS_QUERY,
        variables: { representations: ids.map((id) => ({ __typename: 'Product', id })) },
      });
      const response = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-request-id': caller.requestId,
          ...(caller.authorization ? { authorization: caller.authorization } : {}),
          // The request's trace continues in the catalog; the signature proves who is asking.
          ...injectTraceHeaders({}),
          ...signSubgraphRequest(this.subgraphSecret, { method: 'POST', body: requestBody }),
        },
        body: requestBody,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) throw new CatalogUnavailableError(`catalog answered HTTP ${response.status}`);
      body = (await response.json()) as EntitiesResponse;
    } catch (error) {
      if (error instanceof CatalogUnavailableError) throw error;
      throw new CatalogUnavailableError(`catalog request failed: ${(error as Error).message}`, { cause: error });
    }
    const entities = body.data?._entities;
    if (!Array.isArray(entities) || entities.length !== ids.length) {
      throw new CatalogUnavailableError('catalog returned no entities');
    }
    // A product the catalog does not know resolves to null (possibly with NOT_FOUND); any
    // other error means the answer cannot be trusted.
    const unexpected = (body.errors ?? []).find((error) => error.extensions?.code !== 'NOT_FOUND');
    if (unexpected) throw new CatalogUnavailableError(`catalog error: ${unexpected.message ?? 'unknown'}`);
    for (const entity of entities) {
      if (entity) found.set(entity.id.toLowerCase(), entity);
    }
    return found;
  }
}
