import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cacheControlTypeDefs, persistedQueryId } from '@storefront/bff';
import { repositoryRoot } from '@storefront/db';
import { categories, products, type SeedProduct } from '@storefront/catalog/seed-data';
import { orders as seedOrders, type SeedOrder } from '@storefront/orders/seed-data';
import { buildSchema } from 'graphql';
import { loadClientOperations } from '../../scripts/lib/client-operations.js';

/**
 * The mobile app's view of the mobile BFF (its operations, sent as Apollo iOS/Kotlin send
 * them) and expectations computed from the seed, for the mobile BFF's whole-stack tests.
 */

export const mobileOperations = loadClientOperations('mobile');

export function mobileOperation(name: string) {
  const operation = mobileOperations.get(name);
  if (!operation) throw new Error(`no mobile operation named ${name}`);
  return { ...operation, hash: persistedQueryId(operation.document) };
}

/** The mobile BFF's schema, with the directive definitions the server adds. */
export const mobileSchema = buildSchema(
  `${cacheControlTypeDefs}\n${readFileSync(path.join(repositoryRoot, 'bff-mobile', 'schema.graphql'), 'utf8')}`,
);

export interface MobileResponse<Data = Record<string, any>> {
  status: number;
  headers: Headers;
  /** Raw body text; empty for 304. */
  text: string;
  bytes: number;
  body: {
    data?: Data | null;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
  };
}

export interface MobileRequestOptions {
  /** Access token for `Authorization: Bearer`. */
  token?: string | undefined;
  language?: string;
  headers?: Record<string, string>;
}

function requestHeaders(options: MobileRequestOptions, operationName?: string, operationId?: string): Record<string, string> {
  return {
    // What Apollo iOS and Apollo Kotlin send with every operation (they also satisfy CSRF prevention for GET).
    ...(operationName ? { 'x-apollo-operation-name': operationName } : {}),
    ...(operationId ? { 'x-apollo-operation-id': operationId } : {}),
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...(options.language ? { 'accept-language': options.language } : {}),
    ...options.headers,
  };
}

async function read<Data>(response: Response): Promise<MobileResponse<Data>> {
  const text = await response.text();
  let body: MobileResponse<Data>['body'] = {};
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`non-JSON response (${response.status}): ${text.slice(0, 200)}`);
    }
  }
  return { status: response.status, headers: response.headers, text, bytes: Buffer.byteLength(text), body };
}

/** POSTs a GraphQL request body as JSON. */
export async function postGraphQL<Data = Record<string, any>>(
  url: string,
  body: Record<string, unknown>,
  options: MobileRequestOptions = {},
): Promise<MobileResponse<Data>> {
  const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...requestHeaders(options, operationName) },
    body: JSON.stringify(body),
  });
  return read<Data>(response);
}

/** GETs a GraphQL request with its fields as URL parameters (JSON-encoded variables and extensions). */
export async function getGraphQL<Data = Record<string, any>>(
  url: string,
  params: { query?: string; operationName?: string; variables?: Record<string, unknown>; extensions?: Record<string, unknown> },
  options: MobileRequestOptions = {},
): Promise<MobileResponse<Data>> {
  const search = new URLSearchParams();
  if (params.query !== undefined) search.set('query', params.query);
  if (params.operationName !== undefined) search.set('operationName', params.operationName);
  if (params.variables !== undefined) search.set('variables', JSON.stringify(params.variables));
  if (params.extensions !== undefined) search.set('extensions', JSON.stringify(params.extensions));
  const response = await fetch(`${url}?${search}`, { method: 'GET', headers: requestHeaders(options, params.operationName) });
  return read<Data>(response);
}

export const persistedQuery = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });

/** Sends one operation of `contracts/mobile` (with its fragments) by name, as a full document. */
export function send<Data = Record<string, any>>(
  url: string,
  operationName: string,
  variables: Record<string, unknown> = {},
  options: MobileRequestOptions = {},
): Promise<MobileResponse<Data>> {
  return postGraphQL<Data>(url, { operationName, query: mobileOperation(operationName).document, variables }, options);
}

/**
 * Sends one operation of `contracts/mobile` as Apollo's persisted-queries link does: the hash
 * alone (GET for queries, POST for mutations), and the full document only after
 * PersistedQueryNotFound.
 */
export async function sendPersisted<Data = Record<string, any>>(
  url: string,
  operationName: string,
  variables: Record<string, unknown> = {},
  options: MobileRequestOptions = {},
): Promise<MobileResponse<Data>> {
  const { document, hash, type } = mobileOperation(operationName);
  const extensions = persistedQuery(hash);
  const first =
    type === 'query'
      ? await getGraphQL<Data>(url, { operationName, variables, extensions }, options)
      : await postGraphQL<Data>(url, { operationName, variables, extensions }, options);
  if (first.body.errors?.[0]?.extensions?.code !== 'PERSISTED_QUERY_NOT_FOUND') return first;
  return postGraphQL<Data>(url, { operationName, query: document, variables, extensions }, options);
}

/** Signs in through the mobile BFF and returns the session. */
export async function mobileLogIn(url: string, email: string, password: string) {
  const response = await send<{ logIn: { session: { accessToken: string; refreshToken: string; expiresIn: number } | null } }>(
    url,
    'LogIn',
    { email, password },
  );
  const session = response.body.data?.logIn.session;
  if (!session) throw new Error(`could not sign in ${email}: ${JSON.stringify(response.body)}`);
  return session;
}

// --- Expectations from the seed -------------------------------------------------------

export const newestFirst = [...products].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
export const menu = [...categories].sort((a, b) => a.position - b.position);
export const ordersOf = (buyerId: string) =>
  seedOrders.filter((order) => order.buyerId === buyerId).sort((a, b) => b.placedAt.getTime() - a.placedAt.getTime());
export const totalOf = (order: SeedOrder) => order.lines.reduce((sum, line) => sum + line.quantity * line.unitPriceAmount, 0);

export function priceLabel(amount: number, currency = 'USD', locale = 'en-US'): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** digits);
}

/** The ProductTile fragment of a seed product. */
export function tile(product: SeedProduct, locale = 'en-US') {
  return {
    id: product.id,
    name: product.name,
    priceLabel: priceLabel(product.priceAmount, product.currency, locale),
    thumbnailUrl: `${product.images[0]!.url}?w=320&h=320`,
    inStock: product.stockQuantity > 0,
  };
}

/** The OrderRow fragment of a seed order; `number` comes from the orders service. */
export function orderRow(order: SeedOrder, number: string, locale = 'en-US') {
  return {
    id: order.id,
    number,
    status: order.status,
    totalLabel: priceLabel(totalOf(order), 'USD', locale),
    placedAt: order.placedAt.toISOString(),
    itemCount: order.lines.reduce((sum, line) => sum + line.quantity, 0),
  };
}
