// Real headless Chromium for the end-to-end tests (issue 11): Debian's
// `chromium` (with fonts-wqy-microhei, else Chinese shows as boxes), driven
// by playwright-core. Never a downloaded browser. Screenshots go to
// test-artifacts/ (kept by CI as the tests' artifacts).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-artifacts');

export const chromiumAvailable = () => fs.existsSync(CHROMIUM);

export interface TestBrowser {
  browser: Browser;
  close: () => Promise<void>;
}

/** A fresh Chromium with an empty profile of its own (Playwright gives each launch a new temporary --user-data-dir). */
export async function launchChromium(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}

/** Saves a full-page screenshot as a test artifact. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}
