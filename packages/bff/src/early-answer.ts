/**
 * The HTTP side of answering a response cache hit before Apollo Server runs (see
 * request-pipeline.ts for where it sits in a request).
 *
 * Why by hand, and not through a maintained HTTP integration of Apollo Server: every
 * integration hands the request to `executeHTTPGraphQLRequest`, which builds the context and
 * runs Apollo's request pipeline (parse, validate, plugins) before any plugin may answer, so
 * a hit would cost as much as that pipeline; answering here writes the stored bytes after one
 * Redis round trip, which is what keeps the BFF hit arms near the Redis ceiling in
 * `npm run bench`. The price is that this module mirrors the few rules of Apollo's that
 * decide whether a request may be answered at all (CSRF prevention, Accept negotiation, the
 * GET/POST parameter forms, persisted query hashes); anything it is unsure of goes to Apollo.
 */
import { hash } from 'node:crypto';
import type { EarlyAnswer, GraphQLHttpRequest, RequestInfo } from '@storefront/http-server';
import { freshness, type CachedResponse, type OperationProfile, type OperationProfiles } from './response-cache.js';

/** A query this process has resolved before, as the request asks it: what its cache keys are made of. */
export interface KnownQuery {
  queryHash: string;
  operationName: string | undefined;
  variables: unknown;
  profile: OperationProfile;
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
        if (values.length === 1)
          fields[name] = name === 'variables' || name === 'extensions' ? JSON.parse(values[0]!) : values[0];
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
 * The request as a query this process already resolved and validated, when it may be
 * answered from the cache before Apollo runs; undefined for anything Apollo should judge.
 */
export function knownQuery(request: RequestInfo, http: GraphQLHttpRequest, profiles: OperationProfiles): KnownQuery | undefined {
  if (!preflighted(request) || !jsonAccepted(request)) return undefined;
  const params = graphQLParams(http);
  if (!params) return undefined;
  const queryHash = queryHashOf(params);
  if (!queryHash) return undefined;
  const profile = profiles.get(queryHash, params.operationName);
  return profile && { queryHash, operationName: params.operationName, variables: params.variables, profile };
}

/** A hit as the HTTP answer: the stored bytes, with the headers Apollo's pass would give. */
export function hitAnswer(entry: CachedResponse, vary: string | undefined): EarlyAnswer {
  const { age, maxAge } = freshness(entry);
  return {
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': `max-age=${maxAge}, ${entry.scope === 'PRIVATE' ? 'private' : 'public'}`,
      age: String(age),
      'x-cache': 'HIT',
      ...(vary ? { vary } : {}),
    },
    body: entry.body,
    etag: entry.etag,
  };
}
