// How fast the console opens in real Chromium on the demo data (issue 11):
// the dashboard, a staff ranking and a score page, each opened fresh (a new
// browser context, empty cache) after signing in. Printed per page: the time
// until the page shows its data, the bytes transferred, and — the baseline,
// measured in the same run — the slowest API request the page made (the
// floor for that page: it cannot render before its data arrives). Also the
// first load's JavaScript, raw and gzipped (the target: under 400 KB gzipped).
//
//   npm run bench:console            (needs /usr/bin/chromium; see the README)
import os from 'node:os';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { startDemo } from '../test/support/demo.ts';
import { launchChromium } from '../test/support/browser.ts';

const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}; node ${process.version}; ${RUNS} runs per page (median)`);
const demo = await startDemo('hcp-bench-console-');
const served = demo.served;
const { browser } = await launchChromium();
try {
  const users = demo.passwords;
  // One signed-in session, reused by every fresh context (its cookie), so that sign-in is not timed.
  const signInContext = await browser.newContext();
  const signIn = await signInContext.request.post(`${served.url}/api/v1/sessions`, { data: { username: 'admin', password: users.admin } });
  if (!signIn.ok()) throw new Error(`sign-in failed: ${signIn.status()}`);
  const cookies = await signInContext.cookies();
  const staff = (await (
    await signInContext.request.get(`${served.url}/api/v1/rankings/staff?period=${new Date().getFullYear()}&page=1&pageSize=1`)
  ).json()) as {
    items: { key: string }[];
  };
  const year = new Date().getFullYear();
  const pages: { name: string; url: string; ready: string }[] = [
    { name: 'dashboard (Guangxi, with the map)', url: '/', ready: '.tags-table .el-table__body, .tags-table .el-table__empty-text' },
    { name: 'staff ranking', url: `/rankings/staff?period=${year}`, ready: '.ranking-table .el-table__body tr' },
    { name: 'score page of a staff member', url: `/scores/staff/${staff.items[0]!.key}?period=${year}`, ready: '.behind .el-table__body tr' },
  ];

  async function open(url: string, ready: string) {
    const context = await browser.newContext();
    await context.addCookies(cookies);
    const page: Page = await context.newPage();
    let bytes = 0;
    const scripts: string[] = [];
    page.on('requestfinished', async (request) => {
      // What crossed the wire: the encoded (compressed) body and the headers.
      const sizes = await request.sizes().catch(() => ({ responseBodySize: 0, responseHeadersSize: 0 }));
      bytes += sizes.responseBodySize + sizes.responseHeadersSize;
      if (request.url().endsWith('.js')) scripts.push(request.url());
    });
    const started = performance.now();
    await page.goto(`${served.url}${url}`);
    await page.waitForSelector(ready, { timeout: 60_000 });
    const ms = performance.now() - started;
    const slowestApi = await page.evaluate(() =>
      Math.max(
        0,
        ...performance
          .getEntriesByType('resource')
          .filter((e) => e.name.includes('/api/'))
          .map((e) => e.duration),
      ),
    );
    await page.waitForTimeout(300); // let late responses be counted
    await context.close();
    return { ms, bytes, slowestApi, scripts };
  }

  console.log('\npage                                  rendered (ms)   slowest API request (ms)   transferred');
  let firstScripts: string[] = [];
  for (const p of pages) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await open(p.url, p.ready));
    if (!firstScripts.length) firstScripts = runs[0]!.scripts;
    console.log(
      `${p.name.padEnd(38)}${median(runs.map((r) => r.ms))
        .toFixed(0)
        .padStart(13)}${median(runs.map((r) => r.slowestApi))
        .toFixed(0)
        .padStart(27)}${kb(median(runs.map((r) => r.bytes))).padStart(14)}`,
    );
  }
  // The JavaScript a page loads, as served and gzipped: the sign-in page (what anyone opening the console loads
  // first) and the dashboard (the first page after signing in, with everything it needs).
  const jsOf = async (scripts: string[]) => {
    let raw = 0;
    let gz = 0;
    for (const url of new Set(scripts)) {
      const body = Buffer.from(await (await fetch(url)).arrayBuffer());
      raw += body.length;
      gz += gzipSync(body, { level: 9 }).length;
    }
    return `${new Set(scripts).size} scripts, ${kb(raw)} raw, ${kb(gz)} gzipped`;
  };
  const signInPage = await browser.newContext();
  const page = await signInPage.newPage();
  const signInScripts: string[] = [];
  page.on('requestfinished', (request) => {
    if (request.url().endsWith('.js')) signInScripts.push(request.url());
  });
  await page.goto(`${served.url}/signin`);
  await page.waitForSelector('#username');
  await page.waitForTimeout(300);
  await signInPage.close();
  console.log(`\nfirst load, sign-in page: ${await jsOf(signInScripts)}`);
  console.log(`first load, dashboard (Guangxi, with the map): ${await jsOf(firstScripts)} (target: under 400 KB gzipped)`);
} finally {
  await browser.close();
  await demo.stop();
}
