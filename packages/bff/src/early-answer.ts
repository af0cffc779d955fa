import { hash } from 'node:crypto';
import type { EarlyAnswer, GraphQLHttpRequest, RequestInfo } from '@storefront/http-server';
import type { RedisCounter } from '@storefront/rate-limits';
import type { Counter } from 'prom-client';
import type { CacheStore } from './cache-store.js';
import { decodeCachedResponse, freshness, responseCacheKeys, type OperationProfiles } from './response-cache.js';

/** Who calls and what else their answer depends on, as the BFF's context would say. */
export interface CacheIdentity {
  viewer: { id: string } | undefined;
  /** The same value as the context's `cacheVariant`. */
  variant: string;
}

export interface EarlyCacheOptions {
  store: CacheStore;
  clientType: string;
  profiles: OperationProfiles;
  lookups?: Counter<'client' | 'result'>;
  /**
   * The caller, when it can be told without side effects; undefined sends the request down
   * the full path (a session to refresh, a token to refuse with its proper error).
   */
  identify(request: RequestInfo): Promise<CacheIdentity | undefined>;
  /** The caller's request budget; none when omitted. */
  budget?: {
    /** Counts the request; throws when the budget is used up. */
    consume(caller: Caller): Promise<void>;
    /** The caller's counter when it lives in Redis: the store charges it in its lookup. */
    redisCounter(caller: Caller): RedisCounter | undefined;
  };
  /** The Vary header every GraphQL response of this BFF carries, if any. */
  vary?: string;
}

interface Caller {
  userId: string | undefined;
  ip: string;
}

/** What the early look learnt about a request it left to Apollo, for its context. */
export interface EarlyLook {
  /** The request already counted against the caller's budget. */
  budgetTaken: boolean;
  /** The public key looked up and missed: Apollo's pass does not look again. */
  missedKey?: string;
}

interface GraphQLParams {
  query: string | undefined;
  operationName: string | undefined;
  variables: unknown;
  persistedHash: string | undefined;
}

const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** Apollo Server's CSRF prevention: a request a browser could send without a preflight is Apollo's to refuse. */
function preflighted(request: RequestInfo): boolean {
  const contentType = request.header('content-type');
  if (contentType !== undefined && !SIMPLE_CONTENT_TYPES.has(contentType.split(';')[0]!.trim().toLowerCase())) return true;
  return Boolean(request.header('x-apollo-operation-name') || request.header('apollo-require-preflight'));
}

/** True when the client takes plain JSON (Apollo's answer without an Accept header); other Accept headers are Apollo's to negotiate. */
function jsonAccepted(request: RequestInfo): boolean {
  const accept = request.header('accept');
  if (!accept) return true;
  if (accept.includes('graphql-response+json')) return false;
  return accept.includes('application/json') || accept.includes('*/*');
}

function stringOrAbsent(value: unknown): value is string | undefined | null {
  return value === undefined || value === null || typeof value === 'string';
}

/** The request's GraphQL parameters, or undefined for anything Apollo should judge (malformed, batched, repeated). */
function graphQLParams({ method, body, searchParams }: GraphQLHttpRequest): GraphQLParams | undefined {
  let fields: Record<string, unknown>;
  if (method === 'POST') {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
    fields = body as Record<string, unknown>;
  } else if (method === 'GET') {
    fields = {};
    try {
      for (const name of ['query', 'operationName', 'variables', 'extensions']) {
        const values = searchParams.getAll(name);
        if (values.length > 1) return undefined;
        if (values.length === 1) fields[name] = name === 'variables' || name === 'extensions' ? JSON.parse(values[0]!) : values[0];
      }
    } catch {
      return undefined;
    }
  } else {
    return undefined;
  }
  const { query, operationName, variables, extensions } = fields;
  if (!stringOrAbsent(query) || !stringOrAbsent(operationName)) return undefined;
  const persistedHash = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
  return {
    query: query ?? undefined,
    operationName: operationName ?? undefined,
    variables,
    persistedHash: typeof persistedHash === 'string' ? persistedHash : undefined,
  };
}

/** Hashes of the documents clients send, which are few and sent again and again. */
const knownQueryHashes = new Map<string, string>();
const MAX_KNOWN_QUERIES = 1_000;

function sha256Hex(query: string): string {
  let known = knownQueryHashes.get(query);
  if (known === undefined) {
    known = hash('sha256', query, 'hex');
    if (knownQueryHashes.size >= MAX_KNOWN_QUERIES) knownQueryHashes.clear();
    knownQueryHashes.set(query, known);
  }
  return known;
}

/** Apollo's query hash: sha256 of the text, or the persisted query's hash when only that is sent. */
function queryHashOf(params: GraphQLParams): string | undefined {
  if (params.query === undefined) return params.persistedHash;
  const queryHash = sha256Hex(params.query);
  // A mismatch is an error Apollo reports; never answer it.
  return params.persistedHash === undefined || params.persistedHash === queryHash ? queryHash : undefined;
}

/**
 * Answers response cache hits straight from the stored bytes, before Apollo Server parses,
 * validates or plans anything: the caller's budget and the cache lookup (own entry, then the
 * shared one) go to Redis together. Only queries this process has already resolved and
 * validated are answered here, with the same key and headers as Apollo's pass would give;
 * everything else, and every miss, goes on to Apollo.
 */
export function earlyCacheAnswers(options: EarlyCacheOptions) {
  const { store, clientType, profiles, lookups } = options;
  const looks = new WeakMap<RequestInfo, EarlyLook>();

  /**
   * The entries (undefined when the store failed) and the caller's budget: taken (counted
   * here) or refused (over budget: Apollo's pass counts it again and answers with the error).
   */
  async function lookUpCharging(keys: string[], caller: Caller): Promise<{ budget: 'taken' | 'refused' | 'untouched'; entries: Array<Buffer | undefined> | undefined }> {
    const counter = options.budget?.redisCounter(caller);
    if (counter && store.getManyCharging) {
      const charged = await store.getManyCharging(keys, counter).catch(() => undefined);
      if (!charged) return { budget: 'untouched', entries: undefined };
      return { budget: charged.consumed <= counter.points ? 'taken' : 'refused', entries: charged.values };
    }
    const [budget, entries] = await Promise.all([
      options.budget
        ? options.budget.consume(caller).then(
            () => 'taken' as const,
            () => 'refused' as const,
          )
        : ('taken' as const),
      store.getMany(keys).catch(() => undefined),
    ]);
    return { budget, entries };
  }

  async function answer(request: RequestInfo, http: GraphQLHttpRequest): Promise<EarlyAnswer | undefined> {
    if (!preflighted(request) || !jsonAccepted(request)) return undefined;
    const params = graphQLParams(http);
    if (!params) return undefined;
    const queryHash = queryHashOf(params);
    if (!queryHash) return undefined;
    const profile = profiles.get(queryHash, params.operationName);
    if (!profile) return undefined;
    const identity = await options.identify(request);
    if (!identity) return undefined;

    const keys = responseCacheKeys(clientType, {
      queryHash,
      operationName: params.operationName,
      variables: params.variables,
      variant: identity.variant,
      viewerId: identity.viewer?.id,
      profile,
    });
    const lookup = await lookUpCharging(keys.private ? [keys.private, keys.public] : [keys.public], {
      userId: identity.viewer?.id,
      ip: request.ip,
    });
    const { budget, entries } = lookup;
    if (budget !== 'taken') return undefined;
    const raw = entries && (keys.private ? (entries[0] ?? entries[1]) : entries[0]);
    const entry = raw === undefined ? undefined : decodeCachedResponse(raw);
    if (!entry) {
      looks.set(request, { budgetTaken: true, missedKey: keys.public });
      return undefined;
    }
    lookups?.inc({ client: clientType, result: 'hit' });
    const { age, maxAge } = freshness(entry);
    return {
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': `max-age=${maxAge}, ${entry.scope === 'PRIVATE' ? 'private' : 'public'}`,
        age: String(age),
        'x-cache': 'HIT',
        ...(options.vary ? { vary: options.vary } : {}),
      },
      body: entry.body,
      etag: entry.etag,
    };
  }

  return {
    answer,
    /** What the early look learnt about a request it left to Apollo; undefined when it did not look. */
    lookOf: (request: RequestInfo): EarlyLook | undefined => looks.get(request),
  };
}
