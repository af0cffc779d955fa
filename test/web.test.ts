import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { signAccessToken } from '@storefront/auth';
import { cacheControlTypeDefs } from '@storefront/bff';
import { loadWebConfig } from '@storefront/bff-web/config';
import { createWebServer } from '@storefront/bff-web/server';
import { ConfigError, DEVELOPMENT_SECRET } from '@storefront/config';
import { repositoryRoot } from '@storefront/db';
import { categories, products } from '@storefront/catalog/seed-data';
import { orders as seedOrders } from '@storefront/orders/seed-data';
import { ada, admin, grace, type SeedUser } from '@storefront/users/seed-data';
import type { RunningServer } from '@storefront/http-server';
import { errorCodes } from '@storefront/testing';
import { buildSchema, parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadClientOperations } from '../scripts/lib/client-operations.js';
import { startStack, type Stack } from './support/stack.js';
import { WebClient } from './support/web-client.js';
import {
  categoryEntry,
  freshKey,
  ids,
  inCategory,
  matching,
  menu,
  money,
  newestFirst,
  orderDetail,
  orderEdge,
  ordersOf,
  productCard,
  productPage,
  signedIn,
  signedUp,
} from './support/web.js';

const operations = loadClientOperations('web');
/** Every operation the web app sends; each has tests below. A new one fails the coverage test until it gets some. */
// The subscriptions (OrderStatus, ProductStock) are covered by test/live-web.test.ts.
const COVERED = [
  'CatalogPage',
  'ProductPage',
  'SignUp',
  'LogIn',
  'LogOut',
  'Viewer',
  'OrderDetail',
  'PlaceOrder',
  'CancelOrder',
  'UpdateProduct',
  'OrderStatus',
  'ProductStock',
];

const DE = { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' };
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const [adaLatest] = ordersOf(ada.id);
const adaShipped = ordersOf(ada.id).find((order) => order.status === 'SHIPPED')!;
const graceOrder = ordersOf(grace.id)[0]!;
const soldOut = newestFirst.find((product) => product.stockQuantity === 0)!;
const orderedSomewhere = new Set(seedOrders.flatMap((order) => order.lines.map((line) => line.productId)));
/** In stock with room for a few orders, and in no seed order (so order details never show a changed product). */
const available = products.filter((product) => product.stockQuantity >= 5 && !orderedSomewhere.has(product.id));
/** The product the UpdateProduct tests change; nothing else here reads it afterwards. */
const updateTarget = available[3]!;

interface CatalogConnection {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: Array<{ cursor: string; node: { id: string } }>;
}

type Caller = 'anonymous' | 'ada' | 'grace' | 'admin';
const seedUser: Record<Exclude<Caller, 'anonymous'>, SeedUser> = { ada, grace, admin };

/** Parses a Set-Cookie header into its name, value and attributes (lower-case names). */
function parseSetCookie(header: string) {
  const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
  const index = pair.indexOf('=');
  return {
    name: pair.slice(0, index),
    value: pair.slice(index + 1),
    attributes: new Map(
      attributes.map((attribute) => {
        const [key = '', ...rest] = attribute.split('=');
        return [key.toLowerCase(), rest.join('=')] as const;
      }),
    ),
  };
}

/** A port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve, reject) => probe.close((error) => (error ? reject(error) : resolve())));
  return port;
}

describe('web BFF over HTTP (real Postgres and Redis)', () => {
  let stack: Stack;
  const clients = {} as Record<Caller, WebClient>;

  beforeAll(async () => {
    stack = await startStack({ web: true });
    clients.anonymous = new WebClient(stack.webUrl);
    for (const caller of ['ada', 'grace', 'admin'] as const) clients[caller] = await signedIn(stack.webUrl, seedUser[caller]);
  });
  afterAll(() => stack?.stop());

  describe('the contract (contracts/web)', () => {
    it('every operation validates against the BFF schema', () => {
      const sdl = readFileSync(path.join(repositoryRoot, 'bff-web/schema.graphql'), 'utf8');
      const schema = buildSchema(`${cacheControlTypeDefs}\n${sdl}`);
      expect(operations.size).toBeGreaterThan(0);
      for (const operation of operations.values()) {
        const errors = validate(schema, parse(operation.document)).map((error) => error.message);
        expect({ operation: operation.name, errors }).toEqual({ operation: operation.name, errors: [] });
      }
    });

    it('every operation is covered by these tests', () => {
      expect([...operations.keys()].sort()).toEqual([...COVERED].sort());
    });
  });

  describe('CatalogPage', () => {
    const firstPage = (locale = 'en-US') => ({
      categories: menu.map(categoryEntry),
      catalog: {
        totalCount: products.length,
        pageInfo: { hasNextPage: true, endCursor: expect.any(String) },
        edges: newestFirst.slice(0, 24).map((product) => ({ cursor: expect.any(String), node: productCard(product, locale) })),
      },
    });

    it.each<Caller>(['anonymous', 'ada', 'grace', 'admin'])(
      'shows %s the menu and the newest 24 product cards (en-US by default)',
      async (caller) => {
        const response = await clients[caller].send('CatalogPage', {});
        expect(response.status).toBe(200);
        expect(response.body.errors).toBeUndefined();
        expect(response.body.data).toEqual(firstPage());
        const { edges, pageInfo } = response.body.data!.catalog;
        expect(pageInfo.endCursor).toBe(edges.at(-1).cursor);
        expect(edges[0].node.price.formatted).toMatch(/^\$\d{1,3}(,\d{3})*\.\d{2}$/);
      },
    );

    it('formats prices for the Accept-Language (de-DE)', async () => {
      const response = await clients.anonymous.send('CatalogPage', {}, DE);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data).toEqual(firstPage('de-DE'));
      const formatted = response.body.data!.catalog.edges[0].node.price.formatted as string;
      expect(formatted).toMatch(/^\d{1,3}(\.\d{3})*,\d{2}\s\$$/);
    });

    it('lists one category by slug', async () => {
      const books = categories.find((category) => category.slug === 'books')!;
      const expected = inCategory(books.id);
      const response = await clients.grace.send('CatalogPage', { category: books.slug, first: 5 });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.catalog).toEqual({
        totalCount: expected.length,
        pageInfo: { hasNextPage: expected.length > 5, endCursor: expect.any(String) },
        edges: expected.slice(0, 5).map((product) => ({ cursor: expect.any(String), node: productCard(product) })),
      });
    });

    it('searches names and descriptions', async () => {
      for (const search of ['kettle', 'Deluxe Tent', 'OUTDOORS RANGE']) {
        const expected = matching(search);
        expect(expected.length).toBeGreaterThan(0);
        const response = await clients.anonymous.send('CatalogPage', { search, first: 50 });
        expect(response.body.errors).toBeUndefined();
        expect(response.body.data!.catalog).toEqual({
          totalCount: expected.length,
          pageInfo: { hasNextPage: expected.length > 50, endCursor: expect.any(String) },
          edges: expected.slice(0, 50).map((product) => ({ cursor: expect.any(String), node: productCard(product) })),
        });
      }
      const none = await clients.anonymous.send('CatalogPage', { search: 'no product is called this' });
      expect(none.body.data!.catalog).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
    });

    it('pages through every product with after, without gaps or duplicates', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const response = await clients.ada.send<{ catalog: CatalogConnection }>('CatalogPage', { first: 50, after });
        expect(response.body.errors).toBeUndefined();
        const catalog: CatalogConnection = response.body.data!.catalog;
        expect(catalog.totalCount).toBe(products.length);
        seen.push(...catalog.edges.map((edge) => edge.node.id));
        pages += 1;
        if (!catalog.pageInfo.hasNextPage) break;
        after = catalog.pageInfo.endCursor;
      }
      expect(seen).toEqual(ids(newestFirst));
      expect(pages).toBe(Math.ceil(products.length / 50));
    });
  });

  describe('ProductPage', () => {
    const product = available[10]!;

    it.each<Caller>(['anonymous', 'ada', 'admin'])(
      'shows %s a product with its images, stock, category and 4 related products',
      async (caller) => {
        const response = await clients[caller].send('ProductPage', { slug: product.slug });
        expect(response.body.errors).toBeUndefined();
        expect(response.body.data!.product).toEqual(productPage(product));
        expect(response.body.data!.product.related).toHaveLength(4);
      },
    );

    it('shows a sold-out product as unavailable, prices in de-DE', async () => {
      const response = await clients.grace.send('ProductPage', { slug: soldOut.slug }, DE);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.product).toEqual(productPage(soldOut, 'de-DE'));
      expect(response.body.data!.product.stock).toEqual({ available: false, quantity: 0 });
    });

    it('answers null for an unknown slug', async () => {
      const response = await clients.anonymous.send('ProductPage', { slug: 'no-such-product' });
      expect(response.body).toEqual({ data: { product: null } });
    });
  });

  describe('SignUp, LogIn, LogOut', () => {
    /** Set-Cookie headers must set both session cookies HttpOnly, SameSite=Lax, Secure (NODE_ENV=test is not development). */
    function expectSessionCookies(setCookies: string[], cleared = false) {
      const cookies = setCookies.map(parseSetCookie);
      expect(cookies.map((cookie) => cookie.name).sort()).toEqual(['sf_refresh', 'sf_session']);
      for (const cookie of cookies) {
        expect(cookie.attributes.has('httponly')).toBe(true);
        expect(cookie.attributes.get('samesite')?.toLowerCase()).toBe('lax');
        expect(cookie.attributes.has('secure')).toBe(true);
        expect(cookie.attributes.get('path')).toBe('/');
        if (cleared) {
          expect(cookie.value).toBe('');
          expect(cookie.attributes.get('max-age')).toBe('0');
        } else {
          expect(cookie.value.length).toBeGreaterThan(20);
          expect(Number(cookie.attributes.get('max-age'))).toBeGreaterThan(0);
        }
      }
      return cookies;
    }

    /** The body carries no token: neither the cookie values nor token-named fields. */
    function expectNoTokens(body: unknown, client: WebClient) {
      const text = JSON.stringify(body);
      for (const value of client.cookies.values()) expect(text).not.toContain(value);
      expect(text).not.toMatch(/token/i);
    }

    it('SignUp creates a customer and signs them in with cookies only', async () => {
      const client = new WebClient(stack.webUrl);
      const email = `new-${randomBytes(4).toString('hex')}@example.com`;
      const response = await client.send('SignUp', { input: { email, password: 'a-long-password-1', name: 'New Shopper' } });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.signUp).toEqual({
        viewer: { id: expect.any(String), name: 'New Shopper', email, role: 'CUSTOMER' },
        userErrors: [],
      });
      expectSessionCookies(client.lastSetCookies);
      expectNoTokens(response.body, client);
      const viewer = await client.send('Viewer');
      expect(viewer.body.data!.viewer).toEqual({
        ...response.body.data!.signUp.viewer,
        orders: { totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] },
      });
    });

    it('SignUp refuses a taken email and a weak password with userErrors and no cookies', async () => {
      const client = new WebClient(stack.webUrl);
      const taken = await client.send('SignUp', { input: { email: ada.email, password: 'a-long-password-1', name: 'Impostor' } });
      expect(taken.body.errors).toBeUndefined();
      expect(taken.body.data!.signUp).toEqual({
        viewer: null,
        userErrors: [{ field: 'email', code: 'EMAIL_TAKEN', message: expect.any(String) }],
      });
      const weak = await client.send('SignUp', { input: { email: 'weak@example.com', password: 'short', name: 'Weak' } });
      expect(weak.body.data!.signUp.userErrors).toEqual([
        { field: 'password', code: 'WEAK_PASSWORD', message: expect.any(String) },
      ]);
      expect(client.lastSetCookies).toEqual([]);
      expect(client.cookies.size).toBe(0);
    });

    it.each(['ada', 'grace', 'admin'] as const)(
      'LogIn signs %s in with HttpOnly, SameSite=Lax, Secure cookies and no token in the body',
      async (name) => {
        const user = seedUser[name];
        const client = new WebClient(stack.webUrl);
        const response = await client.send('LogIn', { email: user.email, password: user.password });
        expect(response.body.errors).toBeUndefined();
        expect(response.body.data!.logIn).toEqual({
          viewer: { id: user.id, name: user.name, email: user.email, role: user.role },
          userErrors: [],
        });
        expectSessionCookies(client.lastSetCookies);
        expectNoTokens(response.body, client);
      },
    );

    it('LogIn with a wrong password answers INVALID_CREDENTIALS and sets no cookie', async () => {
      const client = new WebClient(stack.webUrl);
      const response = await client.send('LogIn', { email: ada.email, password: 'not-her-password' });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.logIn).toEqual({
        viewer: null,
        userErrors: [{ field: null, code: 'INVALID_CREDENTIALS', message: expect.any(String) }],
      });
      expect(client.lastSetCookies).toEqual([]);
      expect((await client.send('Viewer')).body.data).toEqual({ viewer: null });
    });

    it('LogOut clears the cookies and revokes the refresh token; Viewer is null afterwards', async () => {
      const client = await signedIn(stack.webUrl, ada);
      const refreshToken = client.cookies.get('sf_refresh')!;
      const out = await client.send('LogOut');
      expect(out.body).toEqual({ data: { logOut: true } });
      expectSessionCookies(client.lastSetCookies, true);
      expect(client.cookies.size).toBe(0);
      expect((await client.send('Viewer')).body).toEqual({ data: { viewer: null } });

      // The old refresh cookie, replayed, no longer signs anyone in.
      const replay = new WebClient(stack.webUrl);
      replay.cookies.set('sf_refresh', refreshToken);
      const response = await replay.send('Viewer');
      expect(response.body).toEqual({ data: { viewer: null } });
      expect(replay.cookies.size).toBe(0);
    });

    it('LogOut when signed out is harmless', async () => {
      const response = await new WebClient(stack.webUrl).send('LogOut');
      expect(response.body).toEqual({ data: { logOut: true } });
    });
  });

  describe('Viewer', () => {
    it('is null when signed out', async () => {
      const response = await clients.anonymous.send('Viewer');
      expect(response.body).toEqual({ data: { viewer: null } });
    });

    it.each(['ada', 'grace'] as const)('shows %s their own orders only, newest first', async (name) => {
      const user = seedUser[name];
      const own = ordersOf(user.id);
      const response = await clients[name].send('Viewer');
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.viewer).toEqual({
        id: user.id,
        name: user.name,
        email: user.email,
        role: 'CUSTOMER',
        orders: {
          totalCount: own.length,
          pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
          edges: own.map((order) => orderEdge(order)),
        },
      });
      const others = seedOrders.filter((order) => order.buyerId !== user.id).map((order) => order.id);
      const shown = response.body.data!.viewer.orders.edges.map((edge: { node: { id: string } }) => edge.node.id);
      for (const id of others) expect(shown).not.toContain(id);
    });

    it('ada has 3 orders; pages with ordersFirst and ordersAfter, totals in de-DE', async () => {
      const own = ordersOf(ada.id);
      expect(own).toHaveLength(3);
      const first = await clients.ada.send('Viewer', { ordersFirst: 2 }, DE);
      expect(first.body.errors).toBeUndefined();
      expect(first.body.data!.viewer.orders).toEqual({
        totalCount: 3,
        pageInfo: { hasNextPage: true, endCursor: first.body.data!.viewer.orders.edges[1].cursor },
        edges: own.slice(0, 2).map((order) => orderEdge(order, 'de-DE')),
      });
      const rest = await clients.ada.send(
        'Viewer',
        { ordersFirst: 2, ordersAfter: first.body.data!.viewer.orders.pageInfo.endCursor },
        DE,
      );
      expect(rest.body.data!.viewer.orders).toEqual({
        totalCount: 3,
        pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
        edges: own.slice(2).map((order) => orderEdge(order, 'de-DE')),
      });
    });

    it('shows the admin as ADMIN, with no orders of their own', async () => {
      const response = await clients.admin.send('Viewer');
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.viewer).toEqual({
        id: admin.id,
        name: admin.name,
        email: admin.email,
        role: 'ADMIN',
        orders: { totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] },
      });
    });
  });

  describe('OrderDetail', () => {
    it('shows ada each of her orders, with lines, prices and products', async () => {
      for (const order of ordersOf(ada.id)) {
        const response = await clients.ada.send('OrderDetail', { id: order.id });
        expect(response.body.errors).toBeUndefined();
        expect(response.body.data!.order).toEqual(orderDetail(order));
      }
    });

    it('formats the order for de-DE', async () => {
      const response = await clients.ada.send('OrderDetail', { id: adaLatest!.id }, DE);
      expect(response.body.data!.order).toEqual(orderDetail(adaLatest!, 'de-DE'));
    });

    it("refuses grace ada's order with FORBIDDEN and leaks nothing of it", async () => {
      const response = await clients.grace.send('OrderDetail', { id: adaShipped.id });
      expect(errorCodes(response)).toEqual(['FORBIDDEN']);
      expect(response.body.data ?? { order: null }).toEqual({ order: null });
      const text = JSON.stringify(response.body);
      for (const secret of [ada.name, ada.email, ada.id, ...adaShipped.lines.map((line) => line.productId)])
        expect(text).not.toContain(secret);
      // Her own order she sees.
      const own = await clients.grace.send('OrderDetail', { id: graceOrder.id });
      expect(own.body.errors).toBeUndefined();
      expect(own.body.data!.order).toEqual(orderDetail(graceOrder));
    });

    it('refuses anonymous callers with UNAUTHENTICATED', async () => {
      const response = await clients.anonymous.send('OrderDetail', { id: adaShipped.id });
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.body.data ?? { order: null }).toEqual({ order: null });
    });

    it("lets the admin read anyone's order", async () => {
      for (const order of seedOrders) {
        const response = await clients.admin.send('OrderDetail', { id: order.id });
        expect(response.body.errors).toBeUndefined();
        expect(response.body.data!.order).toEqual(orderDetail(order));
      }
    });
  });

  describe('PlaceOrder', () => {
    const lines = [
      { product: available[0]!, quantity: 1 },
      { product: available[1]!, quantity: 3 },
    ];
    const input = { items: lines.map(({ product, quantity }) => ({ productId: product.id, quantity })) };
    const total = lines.reduce((sum, { product, quantity }) => sum + product.priceAmount * quantity, 0);

    it('places a PENDING order at catalog prices, visible at once on the Viewer page and in OrderDetail', async () => {
      const { client, viewer } = await signedUp(stack.webUrl, 'Checkout Shopper');
      const response = await client.send('PlaceOrder', { input, idempotencyKey: freshKey() });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.placeOrder).toEqual({
        order: {
          id: expect.any(String),
          number: expect.stringMatching(/^SF-\d{6}$/),
          status: 'PENDING',
          total: money(total, 'USD'),
          items: lines.map(({ product, quantity }) => ({ quantity, product: { id: product.id, name: product.name } })),
        },
        userErrors: [],
      });
      const order = response.body.data!.placeOrder.order;
      const page = await client.send('Viewer');
      expect(page.body.data!.viewer.id).toBe(viewer.id);
      expect(page.body.data!.viewer.orders.totalCount).toBe(1);
      expect(page.body.data!.viewer.orders.edges[0].node).toMatchObject({
        id: order.id,
        number: order.number,
        status: 'PENDING',
        itemCount: 4,
      });
      const detail = await client.send('OrderDetail', { id: order.id });
      expect(detail.body.data!.order).toMatchObject({
        id: order.id,
        buyer: { id: viewer.id, name: 'Checkout Shopper' },
        total: money(total, 'USD'),
      });
      // Nobody else's page shows it.
      expect(errorCodes(await clients.grace.send('OrderDetail', { id: order.id }))).toEqual(['FORBIDDEN']);
    });

    it('the same idempotencyKey twice places one order and returns it both times', async () => {
      const { client } = await signedUp(stack.webUrl);
      const idempotencyKey = freshKey();
      const first = await client.send('PlaceOrder', { input, idempotencyKey });
      const second = await client.send('PlaceOrder', { input, idempotencyKey });
      expect(first.body.data!.placeOrder.userErrors).toEqual([]);
      expect(second.body.data!.placeOrder).toEqual(first.body.data!.placeOrder);
      expect((await client.send('Viewer')).body.data!.viewer.orders.totalCount).toBe(1);
    });

    it('refuses a sold-out product with an OUT_OF_STOCK userError and places nothing', async () => {
      const { client } = await signedUp(stack.webUrl);
      const response = await client.send('PlaceOrder', {
        input: { items: [{ productId: soldOut.id, quantity: 1 }] },
        idempotencyKey: freshKey(),
      });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.placeOrder).toEqual({
        order: null,
        userErrors: [{ field: 'items.0.quantity', code: 'OUT_OF_STOCK', message: expect.any(String) }],
      });
      expect((await client.send('Viewer')).body.data!.viewer.orders.totalCount).toBe(0);
    });

    it('refuses anonymous callers with UNAUTHENTICATED', async () => {
      const response = await clients.anonymous.send('PlaceOrder', { input, idempotencyKey: freshKey() });
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.body.data ?? null).toBeNull();
    });
  });

  describe('CancelOrder', () => {
    it('cancels a new order of the viewer', async () => {
      const { client } = await signedUp(stack.webUrl);
      const placed = await client.send('PlaceOrder', {
        input: { items: [{ productId: available[2]!.id, quantity: 1 }] },
        idempotencyKey: freshKey(),
      });
      const id = placed.body.data!.placeOrder.order.id as string;
      const response = await client.send('CancelOrder', { id });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.cancelOrder).toEqual({ order: { id, status: 'CANCELLED' }, userErrors: [] });
      expect((await client.send('OrderDetail', { id })).body.data!.order.status).toBe('CANCELLED');
      expect((await client.send('Viewer')).body.data!.viewer.orders.edges[0].node).toMatchObject({ id, status: 'CANCELLED' });
    });

    it("refuses grace ada's order (FORBIDDEN) and anonymous callers (UNAUTHENTICATED), changing nothing", async () => {
      const forbidden = await clients.grace.send('CancelOrder', { id: adaLatest!.id });
      expect(errorCodes(forbidden)).toEqual(['FORBIDDEN']);
      expect(forbidden.body.data ?? null).toBeNull();
      const anonymous = await clients.anonymous.send('CancelOrder', { id: adaLatest!.id });
      expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
      const detail = await clients.ada.send('OrderDetail', { id: adaLatest!.id });
      expect(detail.body.data!.order.status).toBe(adaLatest!.status);
    });

    it('answers a shipped order with an ORDER_SHIPPED userError', async () => {
      const response = await clients.ada.send('CancelOrder', { id: adaShipped.id });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.cancelOrder).toEqual({
        order: null,
        userErrors: [{ field: 'id', code: 'ORDER_SHIPPED', message: expect.any(String) }],
      });
    });
  });

  describe('UpdateProduct', () => {
    it.each<[Caller, string]>([
      ['anonymous', 'UNAUTHENTICATED'],
      ['ada', 'FORBIDDEN'],
      ['grace', 'FORBIDDEN'],
    ])('refuses %s with %s and changes nothing', async (caller, code) => {
      const response = await clients[caller].send('UpdateProduct', { id: updateTarget.id, input: { name: 'Hijacked' } });
      expect(errorCodes(response)).toEqual([code]);
      expect(response.body.data ?? null).toBeNull();
      const page = await clients.anonymous.send('ProductPage', { slug: updateTarget.slug });
      expect(page.body.data!.product).toEqual(productPage(updateTarget));
    });

    it('refuses an invalid price with a userError', async () => {
      const response = await clients.admin.send('UpdateProduct', { id: updateTarget.id, input: { priceAmount: -1 } });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.updateProduct).toEqual({
        product: null,
        userErrors: [{ field: 'priceAmount', code: 'INVALID_PRICE', message: expect.any(String) }],
      });
    });

    it('lets the admin change a product, and the cached product page shows it at once', async () => {
      const before = await clients.anonymous.send('ProductPage', { slug: updateTarget.slug });
      const cached = await clients.anonymous.send('ProductPage', { slug: updateTarget.slug });
      expect(cached.headers.get('x-cache')).toBe('HIT');
      expect(cached.body).toEqual(before.body);

      const change = {
        name: `${updateTarget.name} (new edition)`,
        priceAmount: updateTarget.priceAmount + 1_000,
        stockQuantity: updateTarget.stockQuantity + 7,
      };
      const response = await clients.admin.send('UpdateProduct', { id: updateTarget.id, input: change });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.updateProduct).toEqual({
        product: {
          id: updateTarget.id,
          slug: updateTarget.slug,
          name: change.name,
          price: money(change.priceAmount, updateTarget.currency),
          stock: { available: true, quantity: change.stockQuantity },
        },
        userErrors: [],
      });

      const after = await clients.anonymous.send('ProductPage', { slug: updateTarget.slug });
      expect(after.body.errors).toBeUndefined();
      expect(after.body.data!.product).toEqual({
        ...productPage(updateTarget),
        name: change.name,
        price: money(change.priceAmount, updateTarget.currency),
        stock: { available: true, quantity: change.stockQuantity },
      });
    });
  });

  describe('sessions', () => {
    it('renews a missing access cookie from the refresh cookie, transparently', async () => {
      const client = await signedIn(stack.webUrl, ada);
      const oldRefresh = client.cookies.get('sf_refresh');
      client.cookies.delete('sf_session');
      const response = await client.send('Viewer', { ordersFirst: 1 });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.viewer).toMatchObject({ id: ada.id, email: ada.email });
      expect(client.lastSetCookies.map((cookie) => parseSetCookie(cookie).name).sort()).toEqual(['sf_refresh', 'sf_session']);
      expect(client.cookies.get('sf_session')).toBeTruthy();
      expect(client.cookies.get('sf_refresh')).not.toBe(oldRefresh);
    });

    it('renews an expired access token from the refresh cookie, transparently', async () => {
      const client = await signedIn(stack.webUrl, grace);
      const { accessToken: expired } = await signAccessToken(
        { id: grace.id, role: 'CUSTOMER' },
        { secret: DEVELOPMENT_SECRET, ttlSeconds: -60 },
      );
      client.cookies.set('sf_session', expired);
      const response = await client.send('Viewer', { ordersFirst: 1 });
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data!.viewer).toMatchObject({ id: grace.id });
      expect(client.cookies.get('sf_session')).not.toBe(expired);
      // The renewed session keeps working.
      expect((await client.send('Viewer', { ordersFirst: 1 })).body.data!.viewer.id).toBe(grace.id);
    });

    it('two concurrent requests with the same refresh cookie both succeed, and the session survives', async () => {
      const login = await signedIn(stack.webUrl, ada);
      const refresh = login.cookies.get('sf_refresh')!;
      const tabs = [new WebClient(stack.webUrl), new WebClient(stack.webUrl), new WebClient(stack.webUrl)];
      for (const tab of tabs) tab.cookies.set('sf_refresh', refresh);
      const responses = await Promise.all(tabs.map((tab) => tab.send('Viewer', { ordersFirst: 1 })));
      for (const [index, response] of responses.entries()) {
        expect(response.body.errors).toBeUndefined();
        expect(response.body.data!.viewer?.id).toBe(ada.id);
        expect(tabs[index]!.cookies.get('sf_session')).toBeTruthy();
        expect(tabs[index]!.cookies.get('sf_refresh')).not.toBe(refresh);
      }
      // Had the users service seen the token twice it would have ended the whole session:
      // every tab's renewed refresh cookie still renews.
      for (const tab of tabs) {
        tab.cookies.delete('sf_session');
        const again = await tab.send('Viewer', { ordersFirst: 1 });
        expect(again.body.data!.viewer?.id).toBe(ada.id);
      }
    });

    it('after LogOut, no refresh cookie of the session signs anyone in, even one renewed moments before', async () => {
      const client = await signedIn(stack.webUrl, ada);
      const spent = client.cookies.get('sf_refresh')!;
      client.cookies.delete('sf_session');
      expect((await client.send('Viewer', { ordersFirst: 1 })).body.data!.viewer?.id).toBe(ada.id);
      const current = client.cookies.get('sf_refresh')!;
      expect(current).not.toBe(spent);
      expect((await client.send('LogOut')).body).toEqual({ data: { logOut: true } });

      for (const [name, token] of [
        ['current', current],
        ['spent', spent],
      ] as const) {
        const thief = new WebClient(stack.webUrl);
        thief.cookies.set('sf_refresh', token);
        const response = await thief.send('Viewer', { ordersFirst: 1 });
        expect({ cookie: name, viewer: response.body.data?.viewer ?? null }).toEqual({ cookie: name, viewer: null });
      }
    });

    it('refuses a tampered access cookie with UNAUTHENTICATED (HTTP 401) and clears the cookies', async () => {
      const client = await signedIn(stack.webUrl, ada);
      const [header, payload, signature] = client.cookies.get('sf_session')!.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
      const forged = Buffer.from(JSON.stringify({ ...claims, role: 'ADMIN' })).toString('base64url');
      client.cookies.set('sf_session', `${header}.${forged}.${signature}`);
      const response = await client.send('Viewer');
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.body.data ?? null).toBeNull();
      expect(JSON.stringify(response.body)).not.toMatch(/stack|TokenError|jose|signature/i);
      const cleared = client.lastSetCookies.map(parseSetCookie);
      expect(cleared.map((cookie) => [cookie.name, cookie.value, cookie.attributes.get('max-age')]).sort()).toEqual([
        ['sf_refresh', '', '0'],
        ['sf_session', '', '0'],
      ]);
      expect(client.cookies.size).toBe(0);
      expect(response.status).toBe(401);
    });
  });

  describe('Sandbox, production mode, CORS and CSRF', () => {
    it('serves the Apollo Sandbox landing page on GET / to a browser outside production', async () => {
      const response = await fetch(new URL('/', stack.webUrl), { headers: { accept: BROWSER_ACCEPT } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
      expect(await response.text()).toMatch(/EmbeddedSandbox|embeddable-sandbox/);
    });

    it('allows introspection outside production', async () => {
      const response = await clients.anonymous.query('{ __schema { queryType { name } } }');
      expect(response.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    });

    it('refuses to start in production with the development JWT secret, naming JWT_SECRET', () => {
      for (const env of [
        { NODE_ENV: 'production', GATEWAY_URL: stack.gatewayUrl },
        { NODE_ENV: 'production', GATEWAY_URL: stack.gatewayUrl, JWT_SECRET: DEVELOPMENT_SECRET },
      ]) {
        expect(() => loadWebConfig(env)).toThrow(ConfigError);
        expect(() => loadWebConfig(env)).toThrow(/JWT_SECRET/);
      }
    });

    describe('a production web BFF', () => {
      let server: ReturnType<typeof createWebServer>;
      let running: RunningServer;

      beforeAll(async () => {
        const config = loadWebConfig({
          NODE_ENV: 'production',
          JWT_SECRET: randomBytes(20).toString('hex'),
          GATEWAY_URL: stack.gatewayUrl,
          LOG_LEVEL: 'silent',
        });
        expect(config.JWT_SECRET).toHaveLength(40);
        server = createWebServer({ config });
        running = await server.listen(0, '127.0.0.1');
      });
      afterAll(() => server?.stop());

      it('refuses introspection', async () => {
        for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "Product") { fields { name } } }']) {
          const response = await new WebClient(running.url).query(query);
          expect(response.body.data ?? null).toBeNull();
          expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
        }
      });

      it('serves no landing page on GET /', async () => {
        const response = await fetch(new URL('/', running.url), { headers: { accept: BROWSER_ACCEPT } });
        const text = await response.text();
        expect(response.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
        expect(text).not.toMatch(/<html|EmbeddedSandbox|embeddable-sandbox/i);
      });

      it('still answers the web app', async () => {
        const response = await new WebClient(running.url).send('ProductPage', { slug: soldOut.slug });
        expect(response.body).toEqual({ data: { product: productPage(soldOut) } });
      });

      it("does not allow Sandbox's origin by CORS", async () => {
        const response = await fetch(running.url, {
          method: 'OPTIONS',
          headers: { origin: 'https://studio.apollographql.com', 'access-control-request-method': 'POST' },
        });
        expect(response.headers.get('access-control-allow-origin')).toBeNull();
      });
    });

    it('answers a CORS preflight from the web origin with credentials, and nothing for other origins', async () => {
      const preflight = (origin: string) =>
        fetch(stack.webUrl, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
        });
      const allowed = await preflight('http://localhost:3000');
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
      expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
      expect(allowed.headers.get('access-control-allow-methods')).toMatch(/POST/);

      // Outside production Sandbox may call too.
      const sandbox = await preflight('https://studio.apollographql.com');
      expect(sandbox.headers.get('access-control-allow-origin')).toBe('https://studio.apollographql.com');

      const other = await preflight('https://evil.example');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      expect(other.headers.get('access-control-allow-credentials')).toBeNull();
      const post = await new WebClient(stack.webUrl).send('CatalogPage', { first: 1 }, { origin: 'https://evil.example' });
      expect(post.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('refuses a text/plain POST (CSRF prevention) without running it', async () => {
      const response = await fetch(stack.webUrl, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({
          query: operations.get('LogIn')!.document,
          variables: { email: ada.email, password: ada.password },
        }),
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/CSRF|Cross-Site Request Forgery/i);
      expect(response.headers.getSetCookie()).toEqual([]);
    });
  });

  describe('errors', () => {
    it('a gateway outage gives SERVICE_UNAVAILABLE with no internal detail, and the BFF keeps serving', async () => {
      const port = await closedPort();
      const gatewayUrl = `http://127.0.0.1:${port}/graphql`;
      const server = createWebServer({
        config: loadWebConfig({ NODE_ENV: 'test', GATEWAY_URL: gatewayUrl, LOG_LEVEL: 'silent' }),
      });
      const running = await server.listen(0, '127.0.0.1');
      try {
        const client = new WebClient(running.url);
        for (const [name, variables] of [
          ['CatalogPage', {}],
          ['ProductPage', { slug: soldOut.slug }],
          ['LogIn', { email: ada.email, password: ada.password }],
        ] as const) {
          const response = await client.send(name, variables);
          expect(response.status).toBeLessThan(500);
          expect(errorCodes(response)).toEqual(['SERVICE_UNAVAILABLE']);
          const text = JSON.stringify(response.body);
          for (const detail of [
            '127.0.0.1',
            String(port),
            'localhost',
            gatewayUrl,
            'ECONNREFUSED',
            'fetch failed',
            'stacktrace',
          ]) {
            expect(text).not.toContain(detail);
          }
        }
        const live = await fetch(new URL('/health/live', running.url));
        expect(live.status).toBe(200);
      } finally {
        await server.stop();
      }
    });
  });
});
