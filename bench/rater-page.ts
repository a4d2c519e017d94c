// How fast the rater's phone page /r/{token} opens (issue 12), in real
// Chromium at a 360×740 phone viewport, beside the console's sign-in page
// /signin measured in the same run as the baseline (the lightest page of the
// console). Each open is a fresh browser context (empty cache) on a fresh
// rating link, so nothing comes from a cache. Printed per page: the time to a
// usable page (the rater page: its five level buttons visible and enabled;
// the sign-in page: its user name field and button), the slowest API request
// it made (the floor: a page cannot be usable before its data arrives), the
// bytes that crossed the wire (headers and bodies as sent: the assets are
// precompressed, brotli), the gzipped JS+CSS it loaded (the budget:
// under 60 KB for the rater page) and the number of requests. Twice: over the
// loopback as it is, and with Chromium throttling the network to a weak phone
// signal (3G: 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip).
//
//   npm run bench:rater-page                (needs /usr/bin/chromium; see the README)
//   npm run bench:rater-page -- --runs 9
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { residentId } from '../test/support/factories.ts';
import { startDemo } from '../test/support/demo.ts';
import { launchChromium } from '../test/support/browser.ts';

const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Network {
  name: string;
  /** Chromium's network emulation (DevTools protocol); null: as it is. */
  conditions: { latency: number; downloadThroughput: number; uploadThroughput: number } | null;
}
const NETWORKS: Network[] = [
  { name: 'loopback', conditions: null },
  { name: '3G (1.6 Mbit/s, 150 ms)', conditions: { latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 } },
];

console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}; node ${process.version}; ${RUNS} runs per page and network (median)`);
const demo = await startDemo('hcp-bench-rater-');
const { served, dataDir } = demo;
const browser: Browser = (await launchChromium()).browser;

async function api<T>(method: string, url: string, token: string, body?: unknown): Promise<T> {
  const response = await fetch(`${served.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Rating links as a citizen gets them: cases sent by the business system, their SMS delivered by the outbox. */
async function ratingLinks(count: number): Promise<string[]> {
  const columns = (file: string) => demo.tabFile(file);
  const businessKey = columns('demo-api-keys.txt').find((c) => c[0] === 'business_system')![1]!;
  const admin = columns('demo-users.txt').find((c) => c[1] === 'admin')!;
  const session = await fetch(`${served.url}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: admin[0], password: admin[3] }),
  });
  const adminToken = ((await session.json()) as { token: string }).token;
  const matter = (await api<{ items: { code: string; agencyCode: string }[] }>('GET', '/api/v1/matters?kind=promised&status=active&pageSize=1', adminToken))
    .items[0]!;
  const staff = (await api<{ items: { staffNumber: string }[] }>('GET', `/api/v1/staff?agencyCode=${matter.agencyCode}&status=active&pageSize=1`, adminToken))
    .items[0]!;
  const occasions = new Set<number>();
  for (let i = 0; i < count; i++) {
    const opened = await api<{ occasions: { id: number }[] }>('POST', '/api/v1/cases', businessKey, {
      caseNumber: `BENCH-RATER-${Date.now()}-${i}`,
      matterCode: matter.code,
      applicant: { name: '覃小梅', idType: 'resident_id', idNumber: residentId(5000 + i), phone: `1390000${String(1000 + i).slice(-4)}` },
      staffNumber: staff.staffNumber,
      acceptedAt: new Date(Date.now() - 60_000).toISOString(),
    });
    occasions.add(opened.occasions[0]!.id);
  }
  await api('POST', '/api/v1/jobs/deliver-outbox/runs', adminToken);
  const links = fs
    .readFileSync(path.join(dataDir, 'sms-outbox.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => /https?:\/\/\S+\/r\/\S+/.exec((JSON.parse(line) as { text: string }).text)?.[0])
    .filter((link): link is string => !!link)
    // Only the invitations of these cases (the token names its occasion: signed, not secret).
    .filter((link) =>
      occasions.has((JSON.parse(Buffer.from(new URL(link).pathname.split('/')[2]!.split('.')[0]!, 'base64url').toString()) as { o: number }).o),
    );
  if (links.length < count) throw new Error(`expected ${count} SMS links, found ${links.length}`);
  return links;
}

interface Measure {
  ms: number;
  /** The slowest API request the page made before it was usable: the floor under its time. */
  slowestApi: number;
  transferred: number;
  jsCssGzipped: number;
  requests: number;
}

/** Opens a page in a fresh phone-sized context and times it until `usable` resolves. */
async function open(url: string, network: Network, usable: (page: Page) => Promise<unknown>): Promise<Measure> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN', isMobile: true, hasTouch: true });
  const page = await context.newPage();
  if (network.conditions) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, ...network.conditions });
  }
  let transferred = 0;
  let requests = 0;
  const assets: Promise<Buffer>[] = [];
  page.on('response', (response) => {
    const type = response.request().resourceType();
    if (type === 'script' || type === 'stylesheet') assets.push(response.body().catch(() => Buffer.alloc(0)));
  });
  page.on('requestfinished', async (request) => {
    requests += 1;
    // What crossed the wire: the encoded (compressed) body and the headers.
    const sizes = await request.sizes().catch(() => ({ responseBodySize: 0, responseHeadersSize: 0 }));
    transferred += sizes.responseBodySize + sizes.responseHeadersSize;
  });
  const started = performance.now();
  await page.goto(url);
  await usable(page);
  const ms = performance.now() - started;
  const slowestApi = (await page.evaluate(
    `Math.max(0, ...performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/')).map((e) => e.duration))`,
  )) as number;
  await page.waitForLoadState('networkidle');
  let jsCssGzipped = 0;
  for (const body of await Promise.all(assets)) jsCssGzipped += gzipSync(body, { level: 9 }).length;
  await context.close();
  return { ms, slowestApi, transferred, jsCssGzipped, requests };
}

/** The rater page is usable when its five level buttons are on screen and can be chosen. */
async function raterUsable(page: Page) {
  const levels = page.getByRole('group', { name: '总体评价' }).getByRole('radio');
  await levels.first().waitFor({ state: 'visible', timeout: 60_000 });
  // (In the page, as a string: this project's Node typings have no DOM.)
  await page.waitForFunction(`(() => {
    const radios = [...document.querySelectorAll('input[name=level]')];
    return radios.length === 5 && radios.every((r) => !r.disabled && r.labels[0]?.getBoundingClientRect().height > 0);
  })()`);
}

/** The sign-in page is usable when its user name field and its button can be used. */
async function signInUsable(page: Page) {
  await page.locator('#username').waitFor({ state: 'visible', timeout: 60_000 });
  await page.waitForFunction(`(() => {
    const field = document.querySelector('#username');
    const button = document.querySelector('button[type=submit]');
    return !!field && !field.disabled && !!button && !button.disabled;
  })()`);
}

try {
  const links = await ratingLinks(RUNS * NETWORKS.length + 1);
  // One open of each first, not counted: the server's first answers (and Chromium's first context) are slower.
  await open(links.pop()!, NETWORKS[0]!, raterUsable);
  await open(`${served.url}/signin`, NETWORKS[0]!, signInUsable);

  const row = (cells: string[]) => console.log(cells.map((c, i) => (i === 0 ? c.padEnd(34) : c.padStart(i === 1 ? 26 : 14))).join(''));
  console.log('');
  row(['page', 'network', 'usable (ms)', 'min–max (ms)', 'slowest API', 'transferred', 'JS+CSS gz', 'requests']);
  for (const network of NETWORKS) {
    const rater: Measure[] = [];
    const signIn: Measure[] = [];
    // Interleaved, so that the machine's noise falls on both alike.
    for (let i = 0; i < RUNS; i++) {
      rater.push(await open(links.pop()!, network, raterUsable));
      signIn.push(await open(`${served.url}/signin`, network, signInUsable));
    }
    for (const [name, runs] of [
      ['rater page /r/{token}', rater],
      ['console sign-in /signin (baseline)', signIn],
    ] as const) {
      const times = runs.map((r) => r.ms);
      row([
        name,
        network.name,
        median(times).toFixed(0),
        `${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)}`,
        `${median(runs.map((r) => r.slowestApi)).toFixed(0)} ms`,
        kb(median(runs.map((r) => r.transferred))),
        kb(median(runs.map((r) => r.jsCssGzipped))),
        String(median(runs.map((r) => r.requests))),
      ]);
    }
    const ratio = (f: (m: Measure) => number) => (median(rater.map(f)) / median(signIn.map(f))).toFixed(2);
    console.log(
      `${''.padEnd(34)}rater ÷ sign-in: time ${ratio((m) => m.ms)}×, transferred ${ratio((m) => m.transferred)}×, JS+CSS ${ratio((m) => m.jsCssGzipped)}×`,
    );
  }
} finally {
  await browser.close();
  await demo.stop();
}
