import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { buildWebApp } from '@storefront/web/build';
import { serveWebApp, type RunningWebApp } from '@storefront/web/serve';
import { freePort } from './processes.js';
import { startStack, type Stack } from './stack.js';

export interface Shop {
  stack: Stack;
  /** The web app, on an origin the BFF allows (WEB_ORIGINS). */
  app: RunningWebApp;
  /** The same app on an origin the BFF does not allow. */
  foreignApp: RunningWebApp;
  /** The secret the stack signs access tokens with. */
  jwtSecret: string;
  stop(): Promise<void>;
}

/**
 * The whole stack (real Postgres and Redis, the order events flowing, the web BFF) with the
 * built web app served in front of it as `npm start` serves it, on a free port that is the
 * BFF's only allowed origin, and once more on a port that is not.
 */
export async function startShop(): Promise<Shop> {
  await buildWebApp();
  const jwtSecret = randomBytes(32).toString('hex');
  const appPort = await freePort();
  const appOrigin = `http://localhost:${appPort}`;
  const stack = await startStack({ events: true, web: true, env: { JWT_SECRET: jwtSecret }, webEnv: { WEB_ORIGINS: appOrigin } });
  const runtime = { bffUrl: stack.webUrl };
  const app = await serveWebApp({ port: appPort, host: '127.0.0.1', runtime });
  const foreignApp = await serveWebApp({ port: 0, host: '127.0.0.1', runtime });
  return {
    stack,
    app,
    foreignApp,
    jwtSecret,
    async stop() {
      await Promise.all([app.close(), foreignApp.close()]);
      await stack.stop();
    },
  };
}

/** Signs in through the app's own form, as a shopper does, and waits for the account page. */
export async function signIn(page: Page, appUrl: string, user: { email: string; password: string; name: string }): Promise<void> {
  await page.goto(`${appUrl}/signin`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${appUrl}/account`);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: user.name }).waitFor();
}

/** Puts `quantity` of a product in the cart from its page. */
export async function addToCart(
  page: Page,
  appUrl: string,
  product: { slug: string; name: string },
  quantity: number,
): Promise<void> {
  await page.goto(`${appUrl}/products/${product.slug}`);
  await page.getByRole('heading', { level: 1, name: product.name }).waitFor();
  await page.getByLabel('Quantity', { exact: true }).fill(String(quantity));
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByText(`Added ${quantity} to your cart.`).waitFor();
}

/** The number of orders the account page lists. */
export async function orderCount(page: Page, appUrl: string): Promise<number> {
  await page.goto(`${appUrl}/account`);
  const summary = page.getByText(/^\d+ orders?$/);
  await summary.waitFor();
  return Number((await summary.textContent())!.split(' ')[0]);
}

/** Checks the cart out with a double click (one order, one key) and waits for the order page. */
export async function checkOutTwiceQuickly(page: Page, appUrl: string): Promise<string> {
  await page.goto(`${appUrl}/cart`);
  await page.getByRole('button', { name: 'Place order' }).dblclick();
  await page.waitForURL(new RegExp(`^${appUrl}/orders/[^/]+$`));
  return new URL(page.url()).pathname.split('/').at(-1)!;
}

/** The order page's status text ("Status: Pending …"). */
export const orderStatus = (page: Page) => page.getByTestId('order-status').innerText();

/** Marks the page's document, so a test can tell later that it was never reloaded. */
export const markDocument = (page: Page) => page.evaluate('window.__storefrontTestMark = true');
export const sameDocument = async (page: Page) => (await page.evaluate('window.__storefrontTestMark')) === true;
