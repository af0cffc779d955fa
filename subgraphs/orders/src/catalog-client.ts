import { signSubgraphRequest } from '@storefront/auth';
import type { OutboundSettings } from '@storefront/outbound';
import { injectTraceHeaders, type Logger } from '@storefront/http-server';
import { createOutboundClient, postThrough, type OutboundClient } from '@storefront/outbound';
import type { Registry } from 'prom-client';

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

export interface CatalogClientOptions {
  url: string;
  /** Deadline of one call, retries included (CATALOG_TIMEOUT_MS). */
  timeoutMs: number;
  /** `SUBGRAPH_SECRET`: the catalog accepts only requests signed with it, as the gateway's are. */
  subgraphSecret: string;
  /** Pool, retries and breaker of calls to the catalog (CATALOG_RETRIES, ...); the defaults without it. */
  resilience?: OutboundSettings | undefined;
  /** Where the catalog target's breaker and retry series go (orders' /metrics). */
  registry?: Registry | undefined;
  logger?: Logger | undefined;
}

/**
 * Reads products from the catalog subgraph over HTTP, all in one `_entities` request, as every
 * call between tiers goes: on a keep-alive pool, within one deadline, retried (it is a query)
 * on transient failures within a budget, through a circuit breaker (target `catalog`).
 */
export class CatalogClient {
  private readonly client: OutboundClient;

  constructor(private readonly options: CatalogClientOptions) {
    this.client = createOutboundClient({
      name: 'catalog',
      timeoutMs: options.timeoutMs,
      settings: options.resilience,
      registry: options.registry,
      logger: options.logger,
    });
  }

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
      const response = await postThrough(
        this.client,
        this.options.url,
        {
          // Per attempt: the catalog takes each signature's nonce once, so a retry is signed afresh.
          headers: () => ({
            'content-type': 'application/json',
            'x-request-id': caller.requestId,
            ...(caller.authorization ? { authorization: caller.authorization } : {}),
            // The request's trace continues in the catalog; the signature proves who is asking.
            ...injectTraceHeaders({}),
            ...signSubgraphRequest(this.options.subgraphSecret, { method: 'POST', body: requestBody }),
          }),
          body: requestBody,
        },
        { idempotent: true },
      );
      if (!response.ok) throw new CatalogUnavailableError(`catalog answered HTTP ${response.status}`);
      body = (await response.json()) as EntitiesResponse;
    } catch (error) {
      // A timeout, a refused connection, a 5xx or an open circuit: all mean nothing was decided.
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

  /** Stops the breaker's timers and closes the pool. */
  close(): Promise<void> {
    return this.client.close();
  }
}
