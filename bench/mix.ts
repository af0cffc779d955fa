// The realistic mix (issue 16): what shoppers do, through both BFFs, as data the open-loop
// driver (bench/load/open-loop.ts) draws from. Products and catalog pages follow a Zipf
// distribution (a few are most of the views, as in any shop); account pages, order pages,
// mobile home screens, logins and placed orders spread over many customers; token refreshes
// chain each customer's refresh token.
import type { MixClass, MixRequest } from './load/spec.js';

/** A customer signed up by the harness, with an order of their own. */
export interface BenchUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  orderId: string;
}

export interface MixFixtures {
  webUrl: string;
  mobileUrl: string;
  /** Web documents as the web app sends them, by operation name. */
  webDocuments: Record<'ProductPage' | 'CatalogPage' | 'Viewer' | 'OrderDetail' | 'PlaceOrder', string>;
  /** Safelisted mobile operations: persisted-query hash by name. */
  mobileHashes: Record<'Home' | 'ProductDetail' | 'LogIn' | 'RefreshSession', string>;
  /** Products in popularity order (rank 1 first), with the ids and slugs the pages take. */
  products: ReadonlyArray<{ id: string; slug: string }>;
  /** Category slugs in popularity order. */
  categories: readonly string[];
  /** Products with stock enough to order during the run. */
  orderable: readonly string[];
  users: readonly BenchUser[];
  /** Customers whose refresh tokens the mix chains (used by nothing else). */
  refreshers: readonly BenchUser[];
}

/** Where the driver puts a fresh value (idempotency keys) and a customer's current refresh token. */
const UNIQUE = 'MIXUNIQUE';
const REFRESH_TOKEN = 'MIXREFRESHTOKEN';
/** Zipf exponent of page popularity (1: the classic web-page law). */
const ZIPF = 1;

export function mixClasses(fixtures: MixFixtures): MixClass[] {
  const web = (operationName: keyof MixFixtures['webDocuments'], variables: unknown, cookie?: string): MixRequest => ({
    url: fixtures.webUrl,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'accept-language': 'en-US,en;q=0.9',
      ...(cookie ? { cookie: `sf_session=${cookie}` } : {}),
    },
    body: JSON.stringify({ query: fixtures.webDocuments[operationName], operationName, variables }),
  });
  const persisted = (name: keyof MixFixtures['mobileHashes']) => ({
    persistedQuery: { version: 1, sha256Hash: fixtures.mobileHashes[name] },
  });
  const mobileGet = (name: 'Home' | 'ProductDetail', variables: unknown, token?: string): MixRequest => ({
    url: `${fixtures.mobileUrl}?operationName=${name}&variables=${encodeURIComponent(JSON.stringify(variables))}&extensions=${encodeURIComponent(JSON.stringify(persisted(name)))}`,
    method: 'GET',
    headers: { 'x-apollo-operation-name': name, 'accept-language': 'en', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const mobilePost = (name: 'LogIn' | 'RefreshSession', variables: unknown): MixRequest => ({
    url: fixtures.mobileUrl,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-language': 'en' },
    body: JSON.stringify({ operationName: name, variables, extensions: persisted(name) }),
  });
  const { users } = fixtures;
  return [
    {
      name: 'web product page',
      weight: 30,
      zipf: ZIPF,
      variants: fixtures.products.map((product) => web('ProductPage', { slug: product.slug })),
    },
    {
      name: 'web catalog page',
      weight: 18,
      zipf: ZIPF,
      variants: [undefined, ...fixtures.categories].map((category) => web('CatalogPage', category ? { category } : {})),
    },
    {
      name: 'mobile product',
      weight: 10,
      zipf: ZIPF,
      variants: fixtures.products.map((product) => mobileGet('ProductDetail', { id: product.id })),
    },
    { name: 'web account page', weight: 10, variants: users.map((user) => web('Viewer', {}, user.accessToken)) },
    {
      name: 'web order page',
      weight: 6,
      variants: users.map((user) => web('OrderDetail', { id: user.orderId }, user.accessToken)),
    },
    { name: 'mobile home', weight: 15, variants: users.map((user) => mobileGet('Home', {}, user.accessToken)) },
    {
      name: 'mobile login',
      weight: 2,
      variants: users.map((user) => mobilePost('LogIn', { email: user.email, password: user.password })),
    },
    {
      name: 'mobile token refresh',
      weight: 3,
      variants: fixtures.refreshers.map(() => mobilePost('RefreshSession', { refreshToken: REFRESH_TOKEN })),
      chain: {
        placeholder: REFRESH_TOKEN,
        initial: fixtures.refreshers.map((user) => user.refreshToken),
        from: ['data', 'refreshSession', 'session', 'refreshToken'],
      },
    },
    {
      name: 'web placeOrder',
      weight: 6,
      unique: UNIQUE,
      variants: users.map((user, index) =>
        web(
          'PlaceOrder',
          {
            input: { items: [{ productId: fixtures.orderable[index % fixtures.orderable.length]!, quantity: 1 }] },
            idempotencyKey: UNIQUE,
          },
          user.accessToken,
        ),
      ),
    },
  ];
}
