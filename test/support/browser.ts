import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { repositoryRoot } from '@storefront/db';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterEach } from '@jest/globals';

/** Debian's Chromium (scripts/install-chromium.sh, run by .ci/run); no browser is downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

/** Where a failing browser test leaves a screenshot of each page it had open (git-ignored). */
export const FAILURE_SCREENSHOTS = path.join(repositoryRoot, 'test-results', 'web-app');

/** The README's pictures, rewritten only when UPDATE_SCREENSHOTS=1, so CI leaves the tree clean. */
const DOC_SCREENSHOTS = path.join(repositoryRoot, 'docs', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run scripts/install-chromium.sh (as root), as .ci/run does.`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true });
}

/** The running test, as test/support/environment.js records it for its afterEach hooks. */
function runningTest(): { name: string; failed: boolean } | undefined {
  return (globalThis as Record<symbol, { name: string; failed: boolean } | undefined>)[Symbol.for('storefront.testFailure')];
}

/**
 * Registers, for each test of the file, a screenshot of every page in `openPages()` when the
 * test fails, named after the test.
 */
export function screenshotOnFailure(openPages: () => readonly Page[]): void {
  afterEach(async () => {
    const test = runningTest();
    if (!test?.failed) return;
    await mkdir(FAILURE_SCREENSHOTS, { recursive: true });
    const name = test.name
      .replace(/[^a-z0-9]+/gi, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 80);
    const pages = openPages().filter((page) => !page.isClosed());
    await Promise.all(
      pages.map((page, index) =>
        page
          .screenshot({ path: path.join(FAILURE_SCREENSHOTS, `${name}-${index + 1}.png`), fullPage: true })
          .catch(() => undefined),
      ),
    );
  });
}

/** Saves the page as docs/screenshots/<name>.png for the README, when UPDATE_SCREENSHOTS=1. */
export async function documentationScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  await mkdir(DOC_SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(DOC_SCREENSHOTS, `${name}.png`) });
}
