import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ApolloServerPlugin, BaseContext, PersistedQueryOptions } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { CacheStore } from './cache-store.js';

/** What Apollo Server's automatic persisted queries (APQ) read and write: Apollo's KeyValueCache. */
export type PersistedQueryCache = NonNullable<PersistedQueryOptions['cache']>;

/** One operation of an app, as Apollo's persisted query manifest lists it. */
export interface ManifestOperation {
  /** sha256 (hex) of `body`: the hash the app sends in `extensions.persistedQuery`. */
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  /** The exact document the app sends: the operation and the fragments it uses. */
  body: string;
}

/** Apollo's persisted query manifest format (what Apollo iOS/Kotlin and the Router read). */
export interface PersistedQueryManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: ManifestOperation[];
}

/** The code of the error refusing an operation that is not in the app's manifest. */
export const NOT_IN_SAFELIST = 'PERSISTED_QUERY_NOT_IN_SAFELIST';

/** The id APQ uses for a document: sha256 of its exact text, in hex. */
export function persistedQueryId(document: string): string {
  return createHash('sha256').update(document).digest('hex');
}

/** Reads a manifest, checking that each id is the hash of its body; id → operation. */
export function readPersistedQueryManifest(file: string | URL): ReadonlyMap<string, ManifestOperation> {
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as PersistedQueryManifest;
  if (manifest.format !== 'apollo-persisted-query-manifest' || manifest.version !== 1 || !Array.isArray(manifest.operations)) {
    throw new Error(`${String(file)} is not an apollo-persisted-query-manifest, version 1`);
  }
  const operations = new Map<string, ManifestOperation>();
  for (const operation of manifest.operations) {
    if (persistedQueryId(operation.body) !== operation.id) {
      throw new Error(`${String(file)}: the id of ${operation.name} is not the sha256 of its body; rebuild the manifest`);
    }
    operations.set(operation.id, operation);
  }
  return operations;
}

/** How long a registered query stays in the store; after that the app registers it again. */
export const PERSISTED_QUERY_TTL_SECONDS = 7 * 86_400;

export interface PersistedQueryCacheOptions {
  /** Keeps each BFF's queries apart (`mobile`). */
  namespace: string;
  /** The app's manifest: its operations are found without ever being registered. */
  manifest?: ReadonlyMap<string, ManifestOperation>;
  /** Only the manifest's operations are found, and registrations are dropped (production safelist). */
  manifestOnly?: boolean;
  ttlSeconds?: number;
  logger?: Logger;
}

/**
 * Apollo Server's APQ cache on a CacheStore (Redis, or in process without Redis), so every
 * instance of a BFF knows a query once one of them has seen it. The manifest's operations are
 * pre-registered (a hash-only request for them always hits). The store being away costs a
 * miss, never the request: the client then sends the full document, as the protocol says.
 */
export function persistedQueryCache(store: CacheStore, options: PersistedQueryCacheOptions): PersistedQueryCache {
  const {
    manifest = new Map<string, ManifestOperation>(),
    manifestOnly = false,
    ttlSeconds = PERSISTED_QUERY_TTL_SECONDS,
    logger,
  } = options;
  const storeKey = (key: string) => `pq:${options.namespace}:${key}`;
  // Apollo asks for `apq:<hash>`; the manifest is keyed by the hash alone.
  const hashOf = (key: string) => key.slice(key.lastIndexOf(':') + 1);
  return {
    async get(key) {
      const known = manifest.get(hashOf(key));
      if (known) return known.body;
      if (manifestOnly) return undefined;
      try {
        return await store.get(storeKey(key));
      } catch (error) {
        logger?.warn({ err: error }, 'persisted query lookup failed');
        return undefined;
      }
    },
    async set(key, value, setOptions) {
      if (manifestOnly || manifest.has(hashOf(key))) return;
      const ttl = typeof setOptions?.ttl === 'number' && setOptions.ttl > 0 ? setOptions.ttl : ttlSeconds;
      await store.put(storeKey(key), value, ttl);
    },
    async delete(key) {
      if (manifestOnly) return;
      await store.delete(storeKey(key));
    },
  };
}

/**
 * Production safelisting: only the operations of the app's manifest run. Hash-only requests
 * can only name manifest operations (see `manifestOnly`); a full document must be one of them
 * to the byte. Anything else is refused with 400 and PERSISTED_QUERY_NOT_IN_SAFELIST before it
 * executes or is registered.
 */
export function safelistPlugin<Context extends BaseContext>(
  manifest: ReadonlyMap<string, ManifestOperation>,
): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ queryHash }) {
          if (manifest.has(queryHash)) return;
          throw new GraphQLError("This operation is not one of the app's persisted operations, so this server does not run it.", {
            extensions: { code: NOT_IN_SAFELIST, http: { status: 400 } },
          });
        },
      };
    },
  };
}
