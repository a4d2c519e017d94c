// How soon an occasion opened by the business system shows on the window's
// evaluation device (issue 12: "within a second"), in real Chromium on the
// demo data. A paired device (/device) is idle; the business system records
// a case at its window (POST /api/v1/cases, ratesAtWindow); the page notes,
// with a MutationObserver, the moment the rating screen is in the document.
// Printed beside the baseline measured in the same run: the round trip of that
// POST /cases itself (the occasion cannot show before it is committed).
// The browser and this script read the same system clock (Date.now()).
//
//   npm run bench:device [-- --cases 20]      (needs /usr/bin/chromium; see the README)
import os from 'node:os';
import { startDemo } from '../test/support/demo.ts';
import { launchChromium } from '../test/support/browser.ts';
import { residentId } from '../test/support/factories.ts';

const CASES = Number(process.argv[process.argv.indexOf('--cases') + 1]) || 20;
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const pick = (xs: number[], q: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const row = (name: string, xs: number[]) =>
  `${name.padEnd(46)} ${[pick(xs, 0.5), pick(xs, 0.9), Math.max(...xs)].map((n) => `${n.toFixed(0).padStart(6)} ms`).join('')}`;

console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}; node ${process.version}; ${CASES} cases`);
const demo = await startDemo('hcp-bench-device-');
const served = demo.served;
const { browser } = await launchChromium();
try {
  const tab = (name: string) => demo.tabFile(name);
  const call = async <T>(method: string, url: string, auth: string, body?: unknown) => {
    const response = await fetch(`${served.url}${url}`, {
      method,
      headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${url}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const password = tab('demo-users.txt').find((u) => u[0] === 'admin')![3]!;
  const admin = (await call<{ token: string }>('POST', '/api/v1/sessions', '', { username: 'admin', password })).token;
  const businessKey = tab('demo-api-keys.txt').find((k) => k[0] === 'business_system')![1]!;

  // A window with staff on duty, and a matter of their agency.
  type Staff = { staffNumber: string; agencyCode: string; centerCode: string | null; windowNumber: string | null };
  let server: Staff | undefined;
  let matterCode = '';
  for (const person of (await call<{ items: Staff[] }>('GET', '/api/v1/staff?page=1&pageSize=100', admin)).items) {
    if (!person.centerCode || !person.windowNumber) continue;
    const matters = await call<{ items: { code: string }[] }>('GET', `/api/v1/matters?agencyCode=${person.agencyCode}&page=1&pageSize=1`, admin);
    if (!matters.items[0]) continue;
    [server, matterCode] = [person, matters.items[0].code];
    break;
  }
  if (!server) throw new Error('no window with staff and a matter in the demo data');
  const device = await call<{ key: string }>('POST', '/api/v1/clients', admin, {
    name: 'bench device',
    kind: 'device',
    window: { centerCode: server.centerCode, number: server.windowNumber },
  });

  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1280, height: 800 } });
  await context.addInitScript((key) => {
    const g = globalThis as unknown as {
      localStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
      shownAt: number[];
      MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void };
      document: { querySelector(s: string): { textContent: string | null } | null };
    };
    if (!g.localStorage.getItem('hcp.device.key')) g.localStorage.setItem('hcp.device.key', key);
    // The moment each rating screen enters the document.
    g.shownAt = [];
    let showing = false;
    new g.MutationObserver(() => {
      const now = g.document.querySelector('.screen h1')?.textContent === '请对本次服务进行评价';
      if (now && !showing) g.shownAt.push(Date.now());
      showing = now;
    }).observe(g.document, { childList: true, subtree: true, characterData: true });
  }, device.key);
  const page = await context.newPage();
  await page.goto(`${served.url}/device`);
  await page.getByRole('heading', { name: '当前窗口工作人员' }).waitFor();
  await page.waitForFunction(() =>
    (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('hcp.device.lastEventId'),
  );

  const roundTrips: number[] = [];
  const afterAnswer: number[] = [];
  const afterRequest: number[] = [];
  for (let i = 0; i < CASES; i++) {
    // A random pause, so that cases fall at every phase of the server's polling.
    await new Promise((r) => setTimeout(r, 200 + Math.random() * 400));
    const started = Date.now();
    await call('POST', '/api/v1/cases', businessKey, {
      caseNumber: `BENCH-DEVICE-${Date.now()}-${i}`,
      matterCode,
      applicant: { name: '陆一', idType: 'resident_id', idNumber: residentId(i) },
      staffNumber: server.staffNumber,
      acceptedAt: new Date().toISOString(),
      ratesAtWindow: true,
    });
    const answered = Date.now();
    await page.waitForFunction((n) => (globalThis as unknown as { shownAt: number[] }).shownAt.length > n, i, { timeout: 30_000 });
    const shown = await page.evaluate((n) => (globalThis as unknown as { shownAt: number[] }).shownAt[n]!, i);
    roundTrips.push(answered - started);
    afterAnswer.push(shown - answered);
    afterRequest.push(shown - started);
    // The citizen declines; the device is idle again for the next case.
    await page.getByRole('button', { name: '暂不评价' }).click();
    await page.getByRole('heading', { name: '当前窗口工作人员' }).waitFor();
  }

  console.log(`\n${''.padEnd(46)} ${['median', 'p90', 'max'].map((h) => h.padStart(9)).join('')}`);
  console.log(row('baseline: POST /api/v1/cases round trip', roundTrips));
  console.log(row('occasion on the device, after the POST answer', afterAnswer));
  console.log(row('occasion on the device, after the POST began', afterRequest));
  console.log(`\nratio (median, from the POST's start): ${(pick(afterRequest, 0.5) / pick(roundTrips, 0.5)).toFixed(1)}× the POST round trip`);
} finally {
  await browser.close();
  await demo.stop();
}
