import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, BaseContext, GraphQLRequestContext } from '@apollo/server';
import type { Counter } from 'prom-client';
import type { CacheStore } from './cache-store.js';

/** What the response cache reads from a BFF's per-request context. */
export interface CacheableContext extends BaseContext {
  /** The signed-in user; per-user (PRIVATE) responses are cached under their id only. */
  viewer?: { id: string } | undefined;
  /** Entities the response was built from (`product:<id>`, `user:<id>`), added by resolvers. */
  cacheTags: Set<string>;
  /** Anything besides the operation that changes the response (e.g. the locale). */
  cacheVariant: string;
  /** When the request started, so a response computed before an invalidation is not stored. */
  startedAt: number;
}

interface CachedResponse {
  body: unknown;
  maxAge: number;
  scope: 'PUBLIC' | 'PRIVATE';
  storedAt: number;
}

export interface ResponseCacheOptions {
  store: CacheStore;
  /** Keeps each BFF's entries apart (`web`, `mobile`); tags stay shared. */
  clientType: string;
  /** hit / miss / skip, by client type. */
  lookups?: Counter<'client' | 'result'>;
}

function digest(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}

/**
 * Whole-response cache for queries, driven by the schema's `@cacheControl` hints: a PUBLIC
 * response is shared by everyone, a PRIVATE one is stored under the signed-in user's id and
 * never served to anyone else (and not stored at all for anonymous callers). Responses with
 * errors, mutations and uncacheable operations (maxAge 0) are never stored. Hits answer with
 * `x-cache: HIT` and the remaining max-age in Cache-Control.
 */
export function responseCachePlugin<Context extends CacheableContext>(options: ResponseCacheOptions): ApolloServerPlugin<Context> {
  const { store, clientType, lookups } = options;

  const baseKey = (requestContext: GraphQLRequestContext<Context>) =>
    digest([
      requestContext.queryHash,
      requestContext.operationName ?? null,
      requestContext.request.variables ?? {},
      requestContext.contextValue.cacheVariant,
    ]);
  const publicKey = (base: string) => `cache:${clientType}:public:${base}`;
  const privateKey = (base: string, userId: string) => `cache:${clientType}:user:${userId}:${base}`;

  return {
    async requestDidStart() {
      let outcome: 'HIT' | 'MISS' | undefined;
      return {
        async responseForOperation(requestContext) {
          if (requestContext.operation?.operation !== 'query') return null;
          const base = baseKey(requestContext);
          const viewer = requestContext.contextValue.viewer;
          let raw: string | undefined;
          try {
            raw = (viewer ? await store.get(privateKey(base, viewer.id)) : undefined) ?? (await store.get(publicKey(base)));
          } catch {
            return null; // the cache being away costs a miss, never the request
          }
          outcome = 'MISS';
          if (!raw) return null;
          const cached = JSON.parse(raw) as CachedResponse;
          const age = Math.floor((Date.now() - cached.storedAt) / 1000);
          outcome = 'HIT';
          requestContext.overallCachePolicy.replace({ maxAge: Math.max(1, cached.maxAge - age), scope: cached.scope });
          requestContext.response.http.headers.set('age', String(age));
          return {
            http: requestContext.response.http,
            body: { kind: 'single', singleResult: cached.body as never },
          };
        },

        async willSendResponse(requestContext) {
          const { response, contextValue } = requestContext;
          if (outcome) response.http.headers.set('x-cache', outcome);
          lookups?.inc({ client: clientType, result: outcome === 'HIT' ? 'hit' : outcome === 'MISS' ? 'miss' : 'skip' });
          if (outcome !== 'MISS' || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (result.errors?.length) return;
          const policy = requestContext.overallCachePolicy.policyIfCacheable();
          if (!policy) return;
          const scope = policy.scope === 'PRIVATE' ? 'PRIVATE' : 'PUBLIC';
          const base = baseKey(requestContext);
          let key: string;
          const tags = [...contextValue.cacheTags];
          if (scope === 'PRIVATE') {
            if (!contextValue.viewer) return;
            key = privateKey(base, contextValue.viewer.id);
            tags.push(`user:${contextValue.viewer.id}`);
          } else {
            key = publicKey(base);
          }
          const entry: CachedResponse = { body: result, maxAge: policy.maxAge, scope, storedAt: Date.now() };
          await store.set(key, JSON.stringify(entry), policy.maxAge, tags, contextValue.startedAt).catch(() => false);
        },
      };
    },
  };
}
