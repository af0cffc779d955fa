import { products } from '@storefront/catalog/seed-data';
import { ada, admin } from '@storefront/users/seed-data';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mobileLogIn, send } from './support/mobile.js';
import { startStack, type Stack } from './support/stack.js';
import { WebClient } from './support/web-client.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ web: true, mobile: true });
});

afterAll(async () => {
  await stack?.stop();
});

async function gatewayCalls(): Promise<number> {
  const text = await stack.mobileMetrics();
  return [...text.matchAll(/^bff_gateway_requests_total\{[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

const ids = (list: ReadonlyArray<{ id: string }>) => list.map((item) => item.id);

describe('the home screen', () => {
  it('is one request from the app, one gateway call behind it, and smaller than the web pages carrying the same content', async () => {
    const { accessToken } = await mobileLogIn(stack.mobileUrl, ada.email, ada.password);
    const before = await gatewayCalls();
    const mobile = await send(stack.mobileUrl, 'Home', {}, { token: accessToken, language: 'en-US' });
    expect(mobile.status).toBe(200);
    expect(mobile.headers.get('x-cache')).toBe('MISS');
    expect(await gatewayCalls()).toBe(before + 1);
    const home = mobile.body.data!.home;
    expect(home.featured).toHaveLength(8);
    expect(home.categories).toHaveLength(6);
    expect(home.recentOrders).toHaveLength(3);

    // The web app gets the same content from the pages it has: the catalog page (the 8 newest
    // in-stock products are among the 9 newest) and the account page (the 3 latest orders).
    const web = new WebClient(stack.webUrl, { 'accept-language': 'en-US' });
    const logIn = await web.send('LogIn', { email: ada.email, password: ada.password });
    expect(logIn.body.data!.logIn.viewer.id).toBe(ada.id);
    const catalog = await web.send('CatalogPage', { first: 9 });
    const viewer = await web.send('Viewer', { ordersFirst: 3 });
    expect(catalog.body.errors).toBeUndefined();
    expect(viewer.body.errors).toBeUndefined();
    const cards = catalog.body.data!.catalog.edges.map((edge: { node: { id: string; inStock: boolean } }) => edge.node);
    expect(ids(cards.filter((card: { inStock: boolean }) => card.inStock))).toEqual(ids(home.featured));
    expect(ids(catalog.body.data!.categories)).toEqual(ids(home.categories));
    expect(ids(viewer.body.data!.viewer.orders.edges.map((edge: { node: { id: string } }) => edge.node))).toEqual(
      ids(home.recentOrders),
    );

    const webBytes = catalog.bytes + viewer.bytes;
    console.log(
      `home for ada: mobile BFF ${mobile.bytes} bytes in 1 request; web BFF ${webBytes} bytes in 2 requests (CatalogPage ${catalog.bytes} + Viewer ${viewer.bytes})`,
    );
    expect(mobile.bytes).toBeLessThan(webBytes);
  });
});

describe('invalidation shared with the web BFF', () => {
  it("a product changed through the web BFF drops the mobile BFF's cached tiles, detail and home", async () => {
    const product = [...products]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .find((candidate) => candidate.stockQuantity > 0)!;
    const url = stack.mobileUrl;
    await send(url, 'ProductDetail', { id: product.id });
    await send(url, 'Products', { first: 5 });
    await send(url, 'Home');
    expect((await send(url, 'ProductDetail', { id: product.id })).headers.get('x-cache')).toBe('HIT');
    expect((await send(url, 'Products', { first: 5 })).headers.get('x-cache')).toBe('HIT');
    expect((await send(url, 'Home')).headers.get('x-cache')).toBe('HIT');

    const web = new WebClient(stack.webUrl);
    await web.send('LogIn', { email: admin.email, password: admin.password });
    const update = await web.send('UpdateProduct', { id: product.id, input: { name: `${product.name} (new)` } });
    expect(update.body.data!.updateProduct.userErrors).toEqual([]);

    const detail = await send(url, 'ProductDetail', { id: product.id });
    expect(detail.headers.get('x-cache')).toBe('MISS');
    expect(detail.body.data!.product.name).toBe(`${product.name} (new)`);
    const list = await send(url, 'Products', { first: 5 });
    expect(list.headers.get('x-cache')).toBe('MISS');
    expect(list.body.data!.products.nodes[0].name).toBe(`${product.name} (new)`);
    const home = await send(url, 'Home');
    expect(home.headers.get('x-cache')).toBe('MISS');
    expect(home.body.data!.home.featured[0].name).toBe(`${product.name} (new)`);
  });
});
