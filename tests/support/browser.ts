/// <reference lib="dom" />
// Code passed to page.evaluate runs in the browser, so this file also sees the DOM types.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { projectRoot } from '../../libs/platform/config/config.js';
import { consoleDir } from '../../libs/platform/http/console-assets.js';

/** Debian's chromium (never a downloaded browser): CHROMIUM_PATH, else `chromium` on the PATH. */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error('No chromium found: install it (apt-get install -y --no-install-recommends chromium, which `npm run infra:up` does) or set CHROMIUM_PATH.');
}

/** Where the browser tests leave their screenshots. */
export const ARTIFACTS = join(projectRoot(), 'test-artifacts', 'console');

/** The browser tests drive the built console: say how to build it rather than fail on a missing page. */
export function assertConsoleBuilt(): void {
  if (!existsSync(join(consoleDir(), 'index.html'))) throw new Error('The console is not built: run `npm run build` first (npm test does).');
}

/** The form controls of the page that have no label a screen reader announces. */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
      .map((el) => el.outerHTML.slice(0, 80)),
  );
}

/**
 * A new tab, signed in with `token` as a person does it (the console keeps the token in the
 * tab's session). Its context joins `contexts`, for the test to close.
 */
export async function signedInPage(browser: Browser, base: string, token: string, contexts: BrowserContext[], size = { width: 1280, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport: size, colorScheme: 'light', reducedMotion: 'reduce', acceptDownloads: true });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${base}/`);
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

/** Headless Debian chromium, as every browser test drives it. */
export const launchChromium = (): Promise<Browser> => chromium.launch({ executablePath: chromiumPath(), headless: true });

/** Closes a test's tabs and its browser, whatever state they were left in. */
export async function closeBrowser(browser: Browser | undefined, contexts: readonly BrowserContext[]): Promise<void> {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
}
