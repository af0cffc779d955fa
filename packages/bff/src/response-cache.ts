import { hash } from 'node:crypto';
import type { ApolloServerPlugin, BaseContext, GraphQLRequestContext } from '@apollo/server';
import { OperationTypeNode, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Counter } from 'prom-client';
import { userHashTag } from '@storefront/redis';
import type { RedisCounter } from '@storefront/rate-limits';
import type { CacheStore } from './cache-store.js';
import { tags as cacheTags, type CacheTag } from '@storefront/events';

/** What the response cache reads from a BFF's per-request context. */
export interface CacheableContext extends BaseContext {
  /** The signed-in user; per-user (PRIVATE) responses are cached under their id only. */
  viewer?: { id: string } | undefined;
  /** Entities the response was built from (see `tags`), added by resolvers. */
  cacheTags: Set<CacheTag>;
  /** Anything besides the operation that changes the response (e.g. the locale). */
  cacheVariant: string;
  /** When the request started, so a response computed before an invalidation is not stored. */
  startedAt: number;
  /** The cache key this request already looked up and missed before Apollo ran (no second lookup). */
  cacheMissed?: string | undefined;
}

/** A lookup's outcome: the entry (undefined on a miss, or when the store failed: a miss, never a failed request). */
export interface CacheRead {
  entry: CachedResponse | undefined;
  /** With a counter: its count after this request, charged in the lookup's own round trip; undefined when the store failed. */
  consumed?: number | undefined;
}

/**
 * Every read and write of cached responses, whichever path asks: the early answer (before
 * Apollo runs), the Apollo plugin below, BFF mutations and domain events (invalidation).
 */
export class ResponseCache {
  constructor(
    readonly store: CacheStore,
    /** Keeps each BFF's entries apart (`web`, `mobile`); tags stay shared. */
    readonly clientType: string,
    /** hit / miss / skip, by client type. */
    private readonly lookups?: Counter<'client' | 'result'>,
  ) {}

  keys(parts: CacheKeyParts): CacheKeys {
    return responseCacheKeys(this.clientType, parts);
  }

  /**
   * The caller's own entry, else the shared one. With a counter living on the store's Redis,
   * the store takes the request's point from it in the same script (one command for a hit).
   */
  async read(keys: CacheKeys, counter?: RedisCounter): Promise<CacheRead> {
    const wanted = keys.private ? [keys.private, keys.public] : [keys.public];
    try {
      if (counter && this.store.getManyCharging) {
        const { values, consumed } = await this.store.getManyCharging(wanted, counter);
        return { entry: decoded(values), consumed };
      }
      return { entry: decoded(await this.store.getMany(wanted)) };
    } catch {
      return { entry: undefined };
    }
  }

  /** Stores a response, unless one of its tags was invalidated since `computedAt`; never fails the request. */
  async write(
    key: string,
    entry: Omit<CachedResponse, 'etag'> & { body: string },
    tags: readonly CacheTag[],
    computedAt: number,
  ): Promise<void> {
    await this.store.set(key, encodeCachedResponse(entry), entry.maxAge, tags, computedAt).catch(() => false);
  }

  /** Drops every response carrying one of `tags`; returns how many were dropped. */
  invalidate(tags: readonly CacheTag[]): Promise<number> {
    return this.store.invalidate(tags);
  }

  count(result: 'hit' | 'miss' | 'skip'): void {
    this.lookups?.inc({ client: this.clientType, result });
  }
}

/** The first entry found (own before shared) that decodes. */
function decoded(values: ReadonlyArray<Buffer | undefined>): CachedResponse | undefined {
  const raw = values.find((value) => value !== undefined);
  return raw === undefined ? undefined : decodeCachedResponse(raw);
}

/** What a cached response needs besides its body. */
export interface CachedResponse {
  scope: 'PUBLIC' | 'PRIVATE';
  maxAge: number;
  storedAt: number;
  /** The response body exactly as Apollo Server writes it (UTF-8). */
  body: string | Buffer;
  /** Its strong ETag, as the HTTP front would compute it. */
  etag: string;
}

const ENTRY_FORMAT = 'v2';

/** `v2 <scope> <maxAge> <storedAt> <etag>\n<body>`: a hit writes the body without parsing or hashing it. */
function encodeCachedResponse(entry: Omit<CachedResponse, 'etag'> & { body: string }): string {
  return `${ENTRY_FORMAT} ${entry.scope} ${entry.maxAge} ${entry.storedAt} ${strongEtag(entry.body)}\n${entry.body}`;
}

/** A strong ETag of a body: its SHA-256 (the HTTP front's ETags are the same). */
function strongEtag(body: string | Uint8Array): string {
  return `"${hash('sha256', body, 'base64url')}"`;
}

const NEWLINE = 0x0a;

/** The entry, or undefined for anything else (an older format, a foreign value): a miss. */
export function decodeCachedResponse(raw: Buffer): CachedResponse | undefined {
  const newline = raw.indexOf(NEWLINE);
  if (newline < 0) return undefined;
  const [format, scope, maxAge, storedAt, etag] = raw.toString('latin1', 0, newline).split(' ');
  if (format !== ENTRY_FORMAT || (scope !== 'PUBLIC' && scope !== 'PRIVATE') || !etag) return undefined;
  const entry = { scope, maxAge: Number(maxAge), storedAt: Number(storedAt), etag, body: raw.subarray(newline + 1) } as const;
  return Number.isFinite(entry.maxAge) && Number.isFinite(entry.storedAt) ? entry : undefined;
}

/** Seconds since the entry was stored, and the max-age left (at least 1) for Cache-Control. */
export function freshness(entry: CachedResponse, now = Date.now()): { age: number; maxAge: number } {
  const age = Math.max(0, Math.floor((now - entry.storedAt) / 1000));
  return { age, maxAge: Math.max(1, entry.maxAge - age) };
}

/** What the cache needs to know about an operation, learnt the first time Apollo resolves it. */
export interface OperationProfile {
  /** Its PUBLIC answer differs between signed-in and signed-out callers. */
  variesBySignIn: boolean;
}

/**
 * Queries this process has resolved and validated (safelist and document limits included),
 * by query hash and operation name. Only a known query may be answered from the cache before
 * Apollo runs; anything else (a mutation, a new document) takes the full path once.
 */
export class OperationProfiles {
  private readonly profiles = new Map<string, OperationProfile>();

  constructor(private readonly maxEntries = 2_000) {}

  private static key(queryHash: string, operationName: string | null | undefined): string {
    return `${queryHash}\n${operationName ?? ''}`;
  }

  get(queryHash: string, operationName: string | null | undefined): OperationProfile | undefined {
    return this.profiles.get(OperationProfiles.key(queryHash, operationName));
  }

  remember(queryHash: string, operationName: string | null | undefined, profile: OperationProfile): void {
    const key = OperationProfiles.key(queryHash, operationName);
    if (this.profiles.has(key)) return;
    // Bounded against callers sending endless distinct documents; Map keeps insertion order.
    if (this.profiles.size >= this.maxEntries) this.profiles.delete(this.profiles.keys().next().value!);
    this.profiles.set(key, profile);
  }
}

/** Everything a cached response depends on, however the request reached the cache. */
export interface CacheKeyParts {
  queryHash: string;
  operationName: string | null | undefined;
  variables: unknown;
  /** The context's `cacheVariant`. */
  variant: string;
  viewerId: string | undefined;
  profile: OperationProfile;
}

/** The keys to look up, most specific first: the caller's own entry, then the shared one. */
export interface CacheKeys {
  public: string;
  private: string | undefined;
}

function responseCacheKeys(clientType: string, parts: CacheKeyParts): CacheKeys {
  const variant = parts.profile.variesBySignIn
    ? `${parts.variant}|${parts.viewerId ? 'signed-in' : 'signed-out'}`
    : parts.variant;
  const base = hash(
    'sha256',
    JSON.stringify([parts.queryHash, parts.operationName ?? null, parts.variables ?? {}, variant]),
    'base64url',
  );
  return {
    public: `cache:${clientType}:public:${base}`,
    // In the slot of the user's request counter (a Redis Cluster looks up and counts a hit in one script).
    private: parts.viewerId ? `cache:${clientType}:${userHashTag(parts.viewerId)}:${base}` : undefined,
  };
}

export interface ResponseCacheOptions {
  cache: ResponseCache;
  /** Filled with every query resolved here, for lookups before Apollo runs. */
  profiles: OperationProfiles;
  /** True for operations whose PUBLIC answer differs for signed-in callers; none when omitted. */
  variesBySignIn?: (operation: OperationDefinitionNode, document: DocumentNode) => boolean;
}

/**
 * Whole-response cache for queries, driven by the schema's `@cacheControl` hints: a PUBLIC
 * response is shared by everyone, a PRIVATE one is stored under the signed-in user's id and
 * never served to anyone else (and not stored at all for anonymous callers). Responses with
 * errors, mutations and uncacheable operations (maxAge 0) are never stored. Hits answer with
 * `x-cache: HIT` and the remaining max-age in Cache-Control. Most hits are answered before
 * Apollo runs (see early-answer.ts); this plugin serves the rest and stores every miss.
 */
export function responseCachePlugin<Context extends CacheableContext>(
  options: ResponseCacheOptions,
): ApolloServerPlugin<Context> {
  const { cache, profiles } = options;

  const keysOf = (requestContext: GraphQLRequestContext<Context>, profile: OperationProfile) =>
    cache.keys({
      queryHash: requestContext.queryHash!,
      operationName: requestContext.request.operationName,
      variables: requestContext.request.variables,
      variant: requestContext.contextValue.cacheVariant,
      viewerId: requestContext.contextValue.viewer?.id,
      profile,
    });

  return {
    async requestDidStart() {
      let outcome: 'HIT' | 'MISS' | undefined;
      let keys: CacheKeys | undefined;
      return {
        async responseForOperation(requestContext) {
          const { operation, document, queryHash } = requestContext;
          if (operation?.operation !== OperationTypeNode.QUERY || !queryHash) return null;
          const operationName = requestContext.request.operationName;
          let profile = profiles.get(queryHash, operationName);
          if (!profile) {
            profile = { variesBySignIn: options.variesBySignIn?.(operation, document) ?? false };
            profiles.remember(queryHash, operationName, profile);
          }
          keys = keysOf(requestContext, profile);
          outcome = 'MISS';
          if (requestContext.contextValue.cacheMissed === keys.public) return null;
          const { entry } = await cache.read(keys);
          if (!entry) return null;
          outcome = 'HIT';
          const { age, maxAge } = freshness(entry);
          requestContext.overallCachePolicy.replace({ maxAge, scope: entry.scope });
          requestContext.response.http.headers.set('age', String(age));
          return {
            http: requestContext.response.http,
            body: { kind: 'single', singleResult: JSON.parse(entry.body.toString()) as never },
          };
        },

        async willSendResponse(requestContext) {
          const { response, contextValue } = requestContext;
          if (outcome) response.http.headers.set('x-cache', outcome);
          cache.count(outcome === 'HIT' ? 'hit' : outcome === 'MISS' ? 'miss' : 'skip');
          if (outcome !== 'MISS' || !keys || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (result.errors?.length) return;
          const policy = requestContext.overallCachePolicy.policyIfCacheable();
          if (!policy) return;
          const scope = policy.scope === 'PRIVATE' ? 'PRIVATE' : 'PUBLIC';
          const tags = [...contextValue.cacheTags];
          let key = keys.public;
          if (scope === 'PRIVATE') {
            if (!keys.private || !contextValue.viewer) return;
            key = keys.private;
            tags.push(cacheTags.user(contextValue.viewer.id));
          }
          // Apollo Server writes `{errors, data, extensions}` this way; a hit then sends the same bytes.
          const body = `${JSON.stringify({ data: result.data, extensions: result.extensions })}\n`;
          await cache.write(key, { body, maxAge: policy.maxAge, scope, storedAt: Date.now() }, tags, contextValue.startedAt);
        },
      };
    },
  };
}
