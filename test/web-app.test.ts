import { signAccessToken } from '@storefront/auth';
import { ada, admin, grace, products } from '@storefront/seed-data';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentationScreenshot, launchChromium, screenshotOnFailure } from './support/browser.js';
import { addToCart, orderCount, signIn, startShop, type Shop } from './support/shop.js';
import { categoryEntry, inCategory, menu, money, newestFirst } from './support/web.js';

/**
 * The shop's web app (apps/web, built as `npm start` serves it) in headless Chromium against
 * the whole stack on the real Postgres and Redis: one stack and one browser for the file, a
 * fresh browser context (cookies, storage) per shopper.
 */

const PAGE_SIZE = 12;
const ACCESS_COOKIE = 'sf_session';
const REFRESH_COOKIE = 'sf_refresh';

let shop: Shop;
let browser: Browser;
const contexts: BrowserContext[] = [];

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-US' });
  contexts.push(context);
  return context.newPage();
}

screenshotOnFailure(() => contexts.flatMap((context) => context.pages()));

beforeAll(async () => {
  [shop, browser] = await Promise.all([startShop(), launchChromium()]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await shop?.stop();
});

const cardNames = (page: Page) => page.getByRole('list', { name: 'Products' }).getByRole('heading', { level: 3 }).allTextContents();

describe('the web storefront in Chromium', () => {
  it('browses the catalog, filters by category and pages through it', async () => {
    const page = await newPage();
    await page.goto(shop.app.url);
    await page.getByRole('heading', { level: 1, name: 'All products' }).waitFor();
    await page.getByText(`${newestFirst.length} products`).waitFor();
    expect(await cardNames(page)).toEqual(newestFirst.slice(0, PAGE_SIZE).map((product) => product.name));
    const firstCard = page.getByRole('list', { name: 'Products' }).getByRole('listitem').first();
    expect(await firstCard.innerText()).toContain(money(newestFirst[0]!.priceAmount, newestFirst[0]!.currency).formatted);
    await documentationScreenshot(page, 'catalog');

    const category = menu[2]!;
    const listed = inCategory(category.id);
    await page.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: new RegExp(`^${category.name}`) }).click();
    await page.getByRole('heading', { level: 1, name: category.name }).waitFor();
    await page.getByText(`${categoryEntry(category).productCount} products`).waitFor();
    expect(new URL(page.url()).searchParams.get('category')).toBe(category.slug);
    expect(await cardNames(page)).toEqual(listed.slice(0, PAGE_SIZE).map((product) => product.name));

    await page.getByRole('link', { name: 'Next page' }).click();
    await expect.poll(() => cardNames(page)).toEqual(listed.slice(PAGE_SIZE, 2 * PAGE_SIZE).map((product) => product.name));
    await page.getByRole('link', { name: 'Previous page' }).click();
    await expect.poll(() => cardNames(page)).toEqual(listed.slice(0, PAGE_SIZE).map((product) => product.name));
  }, 60_000);

  it('signs in with HttpOnly session cookies that survive a reload, and renews an expired one unnoticed', async () => {
    const page = await newPage();
    await signIn(page, shop.app.url, ada);
    await page.getByText('3 orders').waitFor();

    const cookies = await page.context().cookies(shop.stack.webUrl);
    const session = cookies.find((cookie) => cookie.name === ACCESS_COOKIE);
    expect(session).toMatchObject({ httpOnly: true });
    expect(cookies.find((cookie) => cookie.name === REFRESH_COOKIE)).toMatchObject({ httpOnly: true });
    // Page script cannot read either (cookies ignore ports: the app's origin would see them otherwise).
    const visible = String(await page.evaluate('document.cookie'));
    expect(visible).not.toContain(ACCESS_COOKIE);
    expect(visible).not.toContain(REFRESH_COOKIE);

    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
    await page.getByText(ada.email).waitFor();

    // The access token runs out while the page is open: its cookie now holds an expired, correctly signed token.
    const { accessToken: expired } = await signAccessToken(ada, { secret: shop.jwtSecret, ttlSeconds: -60 });
    await page.context().addCookies([{ ...session!, value: expired }]);
    await page.reload();
    await page.getByText(ada.email).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    const renewed = (await page.context().cookies(shop.stack.webUrl)).find((cookie) => cookie.name === ACCESS_COOKIE);
    expect(renewed?.value).toBeTruthy();
    expect(renewed!.value).not.toBe(expired);
    expect(renewed!.value).not.toBe(session!.value);
  }, 60_000);

  it('signs out: the cookies are gone and the account asks to sign in', async () => {
    const page = await newPage();
    await signIn(page, shop.app.url, grace);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }).waitFor();
    const names = (await page.context().cookies(shop.stack.webUrl)).map((cookie) => cookie.name);
    expect(names).not.toContain(ACCESS_COOKIE);
    expect(names).not.toContain(REFRESH_COOKIE);
    await page.goto(`${shop.app.url}/account`);
    await page.getByText('to see your account and orders').waitFor();
  }, 60_000);

  it('served from an origin outside WEB_ORIGINS, the app cannot read the BFF and says so', async () => {
    const page = await newPage();
    await page.goto(shop.foreignApp.url);
    await page.getByRole('alert').getByText('The shop cannot be reached right now').waitFor();
    const outcome = await page.evaluate(async (url) => {
      try {
        const response = await fetch(url, {
          method: 'POST',
          credentials: 'include',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ categories { id } }' }),
        });
        return `read ${response.status}`;
      } catch (error) {
        return `refused: ${(error as Error).name}`;
      }
    }, shop.stack.webUrl);
    expect(outcome).toBe('refused: TypeError');
  }, 60_000);
});
