import { signAccessToken, verifyAccessToken } from '@storefront/auth';
import { products } from '@storefront/catalog/seed-data';
import { ada, admin, grace } from '@storefront/users/seed-data';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { eventually, expectLabelled } from '@storefront/testing';
import { documentationScreenshot, launchChromium, screenshotOnFailure } from './support/browser.js';
import {
  addToCart,
  checkOutTwiceQuickly,
  markDocument,
  orderCount,
  orderStatus,
  sameDocument,
  signIn,
  startShop,
  type Shop,
} from './support/shop.js';
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
// The previous test's shoppers leave (not in afterEach: a failure's screenshot is taken after it).
beforeEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

beforeAll(async () => {
  // Side by side; whichever starts is kept for afterAll even when the other fails.
  const launching = launchChromium();
  try {
    shop = await startShop();
  } finally {
    browser = await launching;
  }
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await shop?.stop();
});

// Products of their own per test: the scarcest in stock for the order that cannot be filled.
const inStock = [...products].filter((product) => product.stockQuantity > 0).sort((a, b) => a.stockQuantity - b.stockQuantity);
const scarce = inStock[0]!;
const retried = inStock[1]!;
const edited = inStock.at(-1)!;

const cardNames = (page: Page) =>
  page.getByRole('list', { name: 'Products' }).getByRole('heading', { level: 3 }).allTextContents();

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
    await page
      .getByRole('navigation', { name: 'Categories' })
      .getByRole('link', { name: new RegExp(`^${category.name}`) })
      .click();
    await page.getByRole('heading', { level: 1, name: category.name }).waitFor();
    await page.getByText(`${categoryEntry(category).productCount} products`).waitFor();
    expect(new URL(page.url()).searchParams.get('category')).toBe(category.slug);
    expect(await cardNames(page)).toEqual(listed.slice(0, PAGE_SIZE).map((product) => product.name));

    await page.getByRole('link', { name: 'Next page' }).click();
    await eventually(
      () => cardNames(page),
      (value) => {
        expect(value).toEqual(listed.slice(PAGE_SIZE, 2 * PAGE_SIZE).map((product) => product.name));
        return true;
      },
      'cardNames(page)',
      { retryErrors: true },
    );
    await page.getByRole('link', { name: 'Previous page' }).click();
    await eventually(
      () => cardNames(page),
      (value) => {
        expect(value).toEqual(listed.slice(0, PAGE_SIZE).map((product) => product.name));
        return true;
      },
      'cardNames(page)',
      { retryErrors: true },
    );
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
    expect(renewed?.value).not.toBe(expired);
    await expect(verifyAccessToken(renewed!.value, shop.jwtSecret)).resolves.toMatchObject({ id: ada.id, role: 'CUSTOMER' });
  }, 60_000);

  it('signs up a new shopper, then signs out: the cookies are gone and the account asks to sign in', async () => {
    const page = await newPage();
    await page.goto(`${shop.app.url}/signup`);
    await page.getByLabel('Name').fill('Mary Somerville');
    await page.getByLabel('Email').fill('mary@example.com');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    // The BFF's userError shows at its field, which gets the keyboard.
    await eventually(
      () => page.getByLabel('Password').getAttribute('aria-invalid'),
      (value) => {
        expect(value).toBe('true');
        return true;
      },
      "page.getByLabel('Password').getAttribute('aria-invalid')",
      { retryErrors: true },
    );
    expect(await page.evaluate('document.activeElement.id')).toBe('field-password');
    await page.getByLabel('Password').fill('mary-password-1');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${shop.app.url}/account`);
    await page.getByText('You have not ordered anything yet.').waitFor();

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

  it('places an order that turns CONFIRMED without a reload; one the stock cannot fill turns CANCELLED with the reason', async () => {
    const first = await newPage();
    await signIn(first, shop.app.url, grace);
    const before = await orderCount(first, shop.app.url);

    // A long transaction holds the product's row, so both orders pass the stock check at
    // checkout and wait, PENDING, for the catalog to reserve their stock; then it lets go.
    const catalog = new pg.Client({ connectionString: shop.stack.subgraphs.catalog.database.url });
    await catalog.connect();
    let second: Page;
    try {
      await catalog.query('BEGIN');
      await catalog.query('SELECT id FROM products WHERE id = $1 FOR UPDATE', [scarce.id]);
      await addToCart(first, shop.app.url, scarce, scarce.stockQuantity);
      await checkOutTwiceQuickly(first, shop.app.url);
      await eventually(
        () => orderStatus(first),
        (value) => {
          expect(value).toContain('Pending');
          return true;
        },
        'orderStatus(first)',
        { retryErrors: true },
      );
      await markDocument(first);

      second = await first.context().newPage();
      await addToCart(second, shop.app.url, scarce, scarce.stockQuantity);
      await checkOutTwiceQuickly(second, shop.app.url);
      await eventually(
        () => orderStatus(second),
        (value) => {
          expect(value).toContain('Pending');
          return true;
        },
        'orderStatus(second)',
        { retryErrors: true },
      );
      await markDocument(second);
    } finally {
      await catalog.query('COMMIT').catch(() => undefined);
      await catalog.end();
    }

    // Whichever the catalog reserved first is confirmed; the other finds no stock left.
    const settled = async () =>
      (await Promise.all([orderStatus(first), orderStatus(second!)])).filter((text) => !text.includes('Pending')).length;
    await eventually(
      settled,
      (value) => {
        expect(value).toBe(2);
        return true;
      },
      'settled',
      { retryErrors: true, timeoutMs: 20_000 },
    );
    const pages = [first, second!];
    const texts = await Promise.all(pages.map(orderStatus));
    const confirmed = pages[texts.findIndex((text) => text.includes('Confirmed'))];
    const cancelled = texts.find((text) => text.includes('Cancelled'));
    expectLabelled(confirmed, texts.join(' | ')).toBeDefined();
    expect(cancelled).toContain(`Only 0 of "${scarce.name}" in stock; ${scarce.stockQuantity} ordered.`);
    for (const page of pages) expect(await sameDocument(page)).toBe(true);
    await documentationScreenshot(confirmed!, 'order');

    // Each double click placed one order.
    expect(await orderCount(first, shop.app.url)).toBe(before + 2);
  }, 90_000);

  it('a checkout whose answer is lost places one order when the shopper tries again', async () => {
    const page = await newPage();
    await signIn(page, shop.app.url, ada);
    const before = await orderCount(page, shop.app.url);
    await addToCart(page, shop.app.url, retried, 1);
    await page.goto(`${shop.app.url}/cart`);

    // The order reaches the BFF and is placed; its answer never reaches the page.
    let lost = 0;
    await page.route(shop.stack.webUrl, async (route) => {
      if (lost === 0 && route.request().postData()?.includes('mutation PlaceOrder')) {
        lost += 1;
        await route.fetch();
        await route.abort('connectionreset');
        return;
      }
      await route.fallback();
    });
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByRole('alert').getByText('The shop cannot be reached right now').waitFor();
    expect(lost).toBe(1);
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.waitForURL(new RegExp(`^${shop.app.url}/orders/[^/]+$`));
    await page.unrouteAll();

    expect(await orderCount(page, shop.app.url)).toBe(before + 1);
  }, 60_000);

  it("shows an admin's edit on the product page at once, and stock and price change live on a shopper's open page", async () => {
    const shopper = await newPage();
    await shopper.goto(`${shop.app.url}/products/${edited.slug}`);
    await eventually(
      () => shopper.getByTestId('product-stock').innerText(),
      (value) => {
        expect(value).toBe(`In stock: ${edited.stockQuantity}`);
        return true;
      },
      "shopper.getByTestId('product-stock').innerText()",
      { retryErrors: true },
    );
    await markDocument(shopper);

    const page = await newPage();
    await signIn(page, shop.app.url, admin);
    await page.goto(`${shop.app.url}/products/${edited.slug}`);
    await page.getByRole('link', { name: 'Edit this product' }).click();
    const name = `${edited.name} (edited)`;
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Price (USD)').fill('12.34');
    await page.getByLabel('Units in stock').fill('7');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('link', { name: 'View the product page' }).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
    expect(await page.getByTestId('product-price').innerText()).toBe('$12.34');
    expect(await page.getByTestId('product-stock').innerText()).toBe('In stock: 7');

    await eventually(
      () => shopper.getByTestId('product-stock').innerText(),
      (value) => {
        expect(value).toBe('In stock: 7');
        return true;
      },
      "shopper.getByTestId('product-stock').innerText()",
      { retryErrors: true, timeoutMs: 20_000 },
    );
    await eventually(
      () => shopper.getByTestId('product-price').innerText(),
      (value) => {
        expect(value).toBe('$12.34');
        return true;
      },
      "shopper.getByTestId('product-price').innerText()",
      { retryErrors: true },
    );
    expect(await sameDocument(shopper)).toBe(true);
    // A fresh load is not served the page the BFF cached before the edit.
    await shopper.reload();
    await shopper.getByRole('heading', { level: 1, name }).waitFor();
  }, 60_000);
});
