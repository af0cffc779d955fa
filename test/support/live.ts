import { eventually } from '@storefront/testing';
import type { ExecutionResult } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { loadClientOperations } from '../../scripts/lib/client-operations.js';
import type { WebClient } from './web-client.js';

const webOperations = loadClientOperations('web');
const mobileOperations = loadClientOperations('mobile');

/** Everything one subscription received, as an app's subscription hook would see it. */
export class Followed<Data = Record<string, any>> {
  readonly results: Array<ExecutionResult<Data>> = [];
  error: unknown;
  completed = false;
  dispose: () => void = () => undefined;

  get ended(): boolean {
    return this.completed || this.error !== undefined;
  }

  /** The data payloads so far. */
  data(): Data[] {
    return this.results.flatMap((result) => (result.data ? [result.data] : []));
  }

  /** The codes of every error received, in results and as the stream's error. */
  errorCodes(): string[] {
    const codes = this.results.flatMap((result) => (result.errors ?? []).map((error) => String(error.extensions?.code)));
    const failure = this.error;
    if (Array.isArray(failure))
      codes.push(...failure.map((error: { extensions?: { code?: unknown } }) => String(error.extensions?.code)));
    return codes;
  }

  /** Waits until `done` holds for the data payloads received. */
  until(done: (data: Data[]) => boolean, what: string, timeoutMs?: number): Promise<Data[]> {
    return eventually(
      () => this.data(),
      (data) => done(data) || (this.ended && !done(data) ? this.failEarly(what) : false),
      what,
      timeoutMs,
    );
  }

  /** Waits until the stream has ended (completed or failed). */
  untilEnded(what: string): Promise<void> {
    return eventually(() => this.ended, Boolean, what).then(() => undefined);
  }

  private failEarly(what: string): never {
    throw new Error(
      `the stream ended before ${what}: ${JSON.stringify({ results: this.results, error: Array.isArray(this.error) ? this.error : String(this.error), completed: this.completed })}`,
    );
  }

  sink() {
    return {
      next: (result: ExecutionResult<Data>) => void this.results.push(result),
      error: (error: unknown) => void (this.error = error ?? 'error'),
      complete: () => void (this.completed = true),
    };
  }
}

/** Follows a web live operation (contracts/web/live.graphql) over SSE, as the signed-in (or anonymous) browser `client`. */
export function followWeb<Data = Record<string, any>>(
  url: string,
  client: WebClient,
  operationName: string,
  variables: Record<string, unknown> = {},
) {
  const operation = webOperations.get(operationName);
  if (!operation) throw new Error(`no web operation named ${operationName}`);
  const sse = createSseClient({ url, fetchFn: client.fetch, retryAttempts: 0 });
  const followed = new Followed<Data>();
  const unsubscribe = sse.subscribe<Data>({ query: operation.document, operationName, variables }, followed.sink());
  followed.dispose = () => {
    unsubscribe();
    sse.dispose();
  };
  return followed;
}

/** A mobile app's WebSocket to the mobile BFF, with its token in the init payload, and the close it ended with. */
export function mobileSocket(url: string, authorization: string | undefined, headers: Record<string, string> = {}) {
  const closes: Array<{ code: number; reason: string }> = [];
  const client: WsClient = createWsClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers });
      }
    },
    connectionParams: authorization === undefined ? {} : { authorization },
    retryAttempts: 0,
    lazy: true,
    on: {
      closed: (event) =>
        void closes.push({ code: (event as { code: number }).code, reason: String((event as { reason: unknown }).reason) }),
    },
  });
  return {
    client,
    closes,
    /** Follows a mobile operation (contracts/mobile), sent as the app sends it; `persisted` sends only its hash. */
    follow<Data = Record<string, any>>(
      operationName: string,
      variables: Record<string, unknown> = {},
      options: { hashOnly?: string } = {},
    ) {
      const operation = mobileOperations.get(operationName);
      if (!operation) throw new Error(`no mobile operation named ${operationName}`);
      const followed = new Followed<Data>();
      const payload = options.hashOnly
        ? { query: '', operationName, variables, extensions: { persistedQuery: { version: 1, sha256Hash: options.hashOnly } } }
        : { query: operation.document, operationName, variables };
      followed.dispose = client.subscribe<Data>(payload, followed.sink());
      return followed;
    },
    /** Follows any document (limits, refusals). */
    followDocument<Data = Record<string, any>>(query: string, variables: Record<string, unknown> = {}) {
      const followed = new Followed<Data>();
      followed.dispose = client.subscribe<Data>({ query, variables }, followed.sink());
      return followed;
    },
    close: () => client.dispose(),
  };
}

/** The UUIDs in a text: a reason shown to buyers must have none. */
export const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/**
 * Holds a product's row in the catalog database, as a slow reservation would: the catalog
 * cannot reserve stock for it, so an order for it stays PENDING until `release()`. Reading
 * the product (prices, placeOrder's checks) is not blocked.
 */
export async function holdProduct(catalogDatabaseUrl: string, productId: string): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: catalogDatabaseUrl });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT id FROM products WHERE id = $1 FOR UPDATE', [productId]);
  return {
    release: async () => {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}
