// The window evaluation device (评价器) /device as the citizen and the
// window meet it (issue 12), in real headless Chromium at 1280×800, against
// `serve --demo` with the built bundle: pairing with the console's code, the
// staff on duty, an occasion opened by the business system shown at once and
// rated there (R5 channel `device`, R7 once), tags for a negative rating (R4,
// R6), reconnecting with Last-Event-ID, the offline queue and a lost answer
// sent again (R7: never twice), back to idle after 60 s (a fake clock),
// revocation, and the 403 for another window's occasion. axe on the pairing,
// idle and rating screens; screenshots of every screen (device-*.png).
import AxeBuilder from '@axe-core/playwright';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Served } from '../support/process.ts';
import { startDemo, type Demo } from '../support/demo.ts';
import { launchChromium, screenshot, type TestBrowser } from '../support/browser.ts';
import { residentId } from '../support/factories.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 240_000 });

let demo: Demo;
let served: Served;
let chromium: TestBrowser;
/** The admin's session token, and the business system's API key (demo files). */
let admin = '';
let businessKey = '';

/** A window with staff on duty in the demo data, and a promised matter of their agency (R7: acceptance and completion). */
interface Place {
  centerCode: string;
  centerName: string;
  number: string;
  windowName: string | null;
  /** Everyone on duty at the window now. */
  staff: { staffNumber: string; name: string }[];
  /** Who serves the cases of the tests, and a promised matter of their agency. */
  server: { staffNumber: string; name: string };
  matter: { code: string; name: string };
}
/**
 * One window for each test: a device is sent the open occasions of its window, and one test leaves some open
 * on purpose (declined, timed out), which must not turn up on another test's device.
 */
const places: Place[] = [];
const PLACES_NEEDED = 9;

const RATING_TITLE = '请对本次服务进行评价';

interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}
async function call<T = Record<string, unknown>>(method: string, url: string, auth: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${served.url}${url}`, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as T } satisfies Answer<T>;
}

const tabFile = (name: string) => demo.tabFile(name);

type StaffRow = { staffNumber: string; name: string; agencyCode: string; centerCode: string | null; windowNumber: string | null };

/** Finds windows with staff on duty, through the API, whose staff's agency has a promised matter. */
async function findPlaces(): Promise<void> {
  const matterOf = new Map<string, { code: string; name: string } | null>();
  for (let page = 1; places.length < PLACES_NEEDED && page <= 10; page++) {
    const staff = (await call<{ items: StaffRow[] }>('GET', `/api/v1/staff?page=${page}&pageSize=200`, admin)).body.items;
    for (const person of staff) {
      if (places.length >= PLACES_NEEDED) return;
      if (!person.centerCode || !person.windowNumber) continue;
      if (places.some((p) => p.centerCode === person.centerCode && p.number === person.windowNumber)) continue;
      if (!matterOf.has(person.agencyCode)) {
        const query = `agencyCode=${person.agencyCode}&kind=promised&status=active&page=1&pageSize=1`;
        const matters = await call<{ items: { code: string; name: string }[] }>('GET', `/api/v1/matters?${query}`, admin);
        matterOf.set(person.agencyCode, matters.body.items[0] ?? null);
      }
      const matter = matterOf.get(person.agencyCode);
      if (!matter) continue;
      const center = `centerCode=${person.centerCode}&page=1&pageSize=500`;
      const atCenter = (await call<{ items: StaffRow[] }>('GET', `/api/v1/staff?${center}`, admin)).body.items;
      const windows = (await call<{ items: { number: string; name: string | null }[] }>('GET', `/api/v1/windows?${center}`, admin)).body.items;
      places.push({
        centerCode: person.centerCode,
        centerName: (await call<{ name: string }>('GET', `/api/v1/centers/${person.centerCode}`, admin)).body.name,
        number: person.windowNumber,
        windowName: windows.find((w) => w.number === person.windowNumber)?.name ?? null,
        staff: atCenter.filter((s) => s.windowNumber === person.windowNumber),
        server: person,
        matter,
      });
    }
  }
  if (places.length < PLACES_NEEDED) throw new Error(`the demo data has only ${places.length} windows with staff and a promised matter`);
}

beforeAll(async () => {
  demo = await startDemo('hcp-e2e-device-');
  ({ served } = demo);
  const password = tabFile('demo-users.txt').find((u) => u[0] === 'admin')![3]!;
  admin = (await call<{ token: string }>('POST', '/api/v1/sessions', '', { username: 'admin', password })).body.token;
  businessKey = tabFile('demo-api-keys.txt').find((k) => k[0] === 'business_system')![1]!;
  await findPlaces();
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await demo?.stop();
});

/** A device client for the window (the console's "new device"), with its key. */
let deviceSeq = 0;
/** A device client for the window (the console's "new device"), with its key. */
async function newDevice(place: Place, name = '评价器'): Promise<{ id: number; key: string }> {
  const created = await call<{ client: { id: number }; key: string }>('POST', '/api/v1/clients', admin, {
    name: `${name} ${place.centerCode}-${place.number} #${++deviceSeq}`,
    kind: 'device',
    window: { centerCode: place.centerCode, number: place.number },
  });
  expect(created.status).toBe(201);
  return { id: created.body.client.id, key: created.body.key };
}

/** The page's localStorage (this project's Node types have no DOM). */
interface PageStorage {
  getItem(name: string): string | null;
  setItem(name: string, value: string): void;
}
const stored = (page: Page, name: string) => page.evaluate((n) => (globalThis as unknown as { localStorage: PageStorage }).localStorage.getItem(n), name);

async function freshPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1280, height: 800 } });
  return { context, page: await context.newPage() };
}

/**
 * A device paired earlier: its key is in its storage, as pairing leaves it. (Pairing itself is the first test;
 * POST /devices/pair allows 10 tries a minute from one address, and every test here runs from 127.0.0.1.)
 */
async function pairedDevice(place: Place, options: { fakeClock?: boolean } = {}) {
  const device = await newDevice(place);
  const { context, page } = await freshPage();
  await context.addInitScript((key) => {
    const storage = (globalThis as unknown as { localStorage: PageStorage }).localStorage;
    if (!storage.getItem('test.paired')) {
      storage.setItem('hcp.device.key', key);
      storage.setItem('test.paired', '1');
    }
  }, device.key);
  if (options.fakeClock) await page.clock.install();
  await page.goto(`${served.url}/device`);
  await idleScreen(page).waitFor();
  // Connected: the stream's first event has been remembered.
  await expect.poll(() => stored(page, 'hcp.device.lastEventId')).not.toBeNull();
  return { context, page, device };
}

let caseSeq = 0;
const applicant = () => ({ name: '陆一', idType: 'resident_id', idNumber: residentId(caseSeq) });

/** The business system records a case accepted at the window; no SMS: it is rated at the window (ratesAtWindow). */
async function acceptCase(place: Place) {
  const caseNumber = `DEV-${Date.now()}-${++caseSeq}`;
  const started = Date.now();
  const accepted = await call<{ occasions: { id: number; kind: string }[] }>('POST', '/api/v1/cases', businessKey, {
    caseNumber,
    matterCode: place.matter.code,
    applicant: applicant(),
    staffNumber: place.server.staffNumber,
    acceptedAt: new Date().toISOString(),
    ratesAtWindow: true,
  });
  const answeredAt = Date.now();
  expect(accepted.status).toBe(201);
  return { caseNumber, answeredAt, roundTripMs: answeredAt - started, occasionId: accepted.body.occasions.find((o) => o.kind === 'acceptance')!.id };
}

async function completeCase(place: Place, caseNumber: string) {
  const completed = await call('POST', `/api/v1/cases/${caseNumber}/complete`, businessKey, {
    completedAt: new Date().toISOString(),
    staffNumber: place.server.staffNumber,
    ratesAtWindow: true,
  });
  expect(completed.status).toBe(200);
}

interface CaseOccasion {
  id: number;
  kind: string;
  status: string;
  rating: { id: number; level: string; channel: string } | null;
}
/** The case's occasions and their ratings, as the business system reads them. */
async function occasionsOf(caseNumber: string): Promise<CaseOccasion[]> {
  const answer = await call<{ occasions: CaseOccasion[] }>('GET', `/api/v1/cases/${caseNumber}`, businessKey);
  expect(answer.status).toBe(200);
  return answer.body.occasions;
}
const ratedOccasions = async (caseNumber: string) =>
  (await occasionsOf(caseNumber)).filter((o) => o.rating).map((o) => ({ id: o.id, level: o.rating!.level, channel: o.rating!.channel }));

/** Serious and critical accessibility violations of the page as it is now. */
async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

const ratingScreen = (page: Page) => page.getByRole('heading', { name: RATING_TITLE });
const idleScreen = (page: Page) => page.getByRole('heading', { name: '当前窗口工作人员' });
const thanksScreen = (page: Page) => page.getByRole('heading', { name: '感谢您的评价！' });
async function rate(page: Page, level: string) {
  await page.getByRole('button', { name: level, exact: true }).click();
  await page.getByRole('button', { name: '提交评价' }).click();
}

describe('the window evaluation device (评价器) in Chromium, 1280×800', () => {
  it('pairs with the code from the console (a wrong code is refused), then shows the staff on duty at its window', async () => {
    const place = places[0]!;
    const device = await newDevice(place, '配对测试');
    const { context, page } = await freshPage();
    await page.goto(`${served.url}/device`);
    await page.getByRole('heading', { name: '配对评价器' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'device-pairing');

    const { code } = (await call<{ code: string }>('POST', `/api/v1/clients/${device.id}/pairing-code`, admin)).body;
    expect(code).toMatch(/^\d{6}$/);
    // Too short: said at once, nothing sent.
    await page.getByLabel('配对码').fill('12345');
    await page.getByRole('button', { name: '配对', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('6 位数字');
    // A code that is not the one given (typed with a dash, as the console may show it).
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    await page.getByLabel('配对码').fill(`${wrong.slice(0, 3)}-${wrong.slice(3)}`);
    await page.getByRole('button', { name: '配对', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('配对码不正确');
    await screenshot(page, 'device-pairing-error');

    // The right one, on the on-screen keypad (a touch screen has no keyboard).
    await page.getByRole('button', { name: '清空' }).click();
    for (const digit of code) await page.getByRole('group', { name: '数字键盘' }).getByRole('button', { name: digit, exact: true }).click();
    expect(await page.getByLabel('配对码').inputValue()).toBe(code);
    await page.getByRole('button', { name: '配对', exact: true }).click();

    await idleScreen(page).waitFor();
    const key = await stored(page, 'hcp.device.key');
    expect(key).toMatch(/^hcp_/);
    const state = await call<{ window: { centerCode: string; number: string } }>('GET', '/api/v1/device', key!);
    expect(state.body.window).toMatchObject({ centerCode: place.centerCode, number: place.number });
    // The code was used: it pairs nothing else.
    expect((await call('POST', '/api/v1/devices/pair', '', { code })).status).toBe(404);

    // Idle: everyone on duty at this window, by name and number, and where this is.
    expect(place.staff.length).toBeGreaterThan(0);
    for (const person of place.staff) {
      await expect.poll(() => page.textContent('main')).toContain(person.name);
      expect(await page.textContent('main')).toContain(`工号 ${person.staffNumber}`);
    }
    const header = await page.textContent('header');
    expect(header).toContain(place.centerName);
    expect(header).toContain(`${place.number}号窗口`);
    if (place.windowName) expect(header).toContain(place.windowName);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'device-idle');
    await context.close();
  });

  it('a case accepted at the window appears on the device at once and is rated there: one rating, channel device (R5, R7)', async () => {
    const place = places[1]!;
    const { context, page } = await pairedDevice(place);
    const shown = ratingScreen(page)
      .waitFor({ timeout: 15_000 })
      .then(() => Date.now());
    const opened = await acceptCase(place);
    const latency = (await shown) - opened.answeredAt;
    console.log(`device: the occasion was on screen ${latency} ms after the business system's POST /cases answer (that POST took ${opened.roundTripMs} ms)`);

    // What is rated: the matter, the occasion, the staff member.
    const main = await page.textContent('main');
    expect(main).toContain(place.matter.name);
    expect(main).toContain('受理');
    expect(main).toContain(`${place.server.name}（工号 ${place.server.staffNumber}）`);
    const levels = page.getByRole('group', { name: '总体评价（请选择一项）' }).getByRole('button');
    expect(await levels.allTextContents()).toEqual(['非常满意', '满意', '基本满意', '不满意', '非常不满意']);
    // No tags for a good rating (R4).
    expect(await page.getByRole('button', { name: '态度冷漠' }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'device-rating');

    await rate(page, '非常满意');
    await thanksScreen(page).waitFor();
    expect(await page.textContent('main')).toContain('已提交成功');
    await screenshot(page, 'device-thanks');
    expect(await ratedOccasions(opened.caseNumber)).toEqual([{ id: opened.occasionId, level: 'very_satisfied', channel: 'device' }]);
    await page.getByRole('button', { name: '返回首页' }).click();
    await idleScreen(page).waitFor();
    await context.close();
  });

  it('a negative rating with tag chips, no typing (R4, R6); an occasion not rated here stays open for the other channels', async () => {
    const place = places[2]!;
    const { context, page } = await pairedDevice(place);
    const opened = await acceptCase(place);
    await ratingScreen(page).waitFor();
    // The citizen does not rate the acceptance here.
    await page.getByRole('button', { name: '暂不评价' }).click();
    await idleScreen(page).waitFor();

    await completeCase(place, opened.caseNumber);
    await ratingScreen(page).waitFor();
    expect(await page.textContent('main')).toContain('办结');
    await page.getByRole('button', { name: '不满意', exact: true }).click();
    expect(await page.getByRole('button', { name: '不满意', exact: true }).getAttribute('aria-pressed')).toBe('true');
    const chips = page.getByRole('group', { name: /您遇到的问题/ }).getByRole('button');
    expect(await chips.count()).toBe(9);
    await page.getByRole('button', { name: '等候时间长' }).click();
    await page.getByRole('button', { name: '一次性告知不清' }).click();
    expect(await page.getByRole('button', { name: '等候时间长' }).getAttribute('aria-pressed')).toBe('true');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'device-rating-negative');
    await page.getByRole('button', { name: '提交评价' }).click();
    await thanksScreen(page).waitFor();
    expect(await page.textContent('main')).toContain('核实处理');

    const occasions = await occasionsOf(opened.caseNumber);
    expect(occasions.find((o) => o.kind === 'acceptance')).toMatchObject({ status: 'open', rating: null });
    const completion = occasions.find((o) => o.kind === 'completion')!;
    expect(completion.rating).toMatchObject({ level: 'dissatisfied', channel: 'device' });
    const rating = await call<{ tags: string[] }>('GET', `/api/v1/ratings/${completion.rating!.id}`, businessKey);
    expect(rating.body.tags.sort()).toEqual(['efficiency.long_wait', 'quality.unclear_guidance']);
    await context.close();
  });

  it('reconnects with Last-Event-ID: a case accepted while the device was off still appears, and is rated', async () => {
    const place = places[3]!;
    const { context, page } = await pairedDevice(place);
    const seen = await stored(page, 'hcp.device.lastEventId');
    await page.close();

    const opened = await acceptCase(place);
    const again = await context.newPage();
    const resumedFrom: (string | undefined)[] = [];
    again.on('request', (request) => {
      if (request.url().endsWith('/api/v1/device/events')) resumedFrom.push(request.headers()['last-event-id']);
    });
    await again.goto(`${served.url}/device`);
    await ratingScreen(again).waitFor();
    expect(resumedFrom[0]).toBe(seen);
    await rate(again, '满意');
    await thanksScreen(again).waitFor();
    expect(await ratedOccasions(opened.caseNumber)).toEqual([{ id: opened.occasionId, level: 'satisfied', channel: 'device' }]);
    await context.close();
  });

  it('offline: the rating waits in the queue, the banner counts it, and it is stored exactly once when the network is back', async () => {
    const place = places[4]!;
    const { context, page } = await pairedDevice(place);
    const keys: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/api/v1/ratings')) keys.push(request.headers()['idempotency-key'] ?? '');
    });
    const opened = await acceptCase(place);
    await ratingScreen(page).waitFor();

    await context.setOffline(true);
    await expect.poll(() => page.getByRole('status').textContent()).toContain('网络已断开');
    // A negative rating with a tag: what supervisors follow up (R12), and what must survive the network dropping.
    await page.getByRole('button', { name: '不满意', exact: true }).click();
    await page.getByRole('button', { name: '等候时间长' }).click();
    await page.getByRole('button', { name: '提交评价' }).click();
    await thanksScreen(page).waitFor();
    expect(await page.textContent('main')).toContain('网络恢复后将自动提交');
    await expect.poll(() => page.getByRole('status').textContent()).toContain('1 条评价待提交');
    await screenshot(page, 'device-offline');
    expect(await ratedOccasions(opened.caseNumber)).toEqual([]);

    await context.setOffline(false);
    await expect.poll(() => ratedOccasions(opened.caseNumber)).toEqual([{ id: opened.occasionId, level: 'dissatisfied', channel: 'device' }]);
    const stored = (await occasionsOf(opened.caseNumber)).find((o) => o.id === opened.occasionId)!;
    expect((await call<{ tags: string[] }>('GET', `/api/v1/ratings/${stored.rating!.id}`, businessKey)).body.tags).toEqual(['efficiency.long_wait']);
    await expect.poll(() => page.getByRole('status').count()).toBe(0);
    // Every attempt carried the one Idempotency-Key of this rating (R7: never a second rating).
    expect(keys.length).toBeGreaterThan(0);
    expect(new Set(keys).size).toBe(1);
    await context.close();
  });

  it('a rating whose answer was lost is sent again with the same Idempotency-Key and counted once (R7)', async () => {
    const place = places[5]!;
    const { context, page } = await pairedDevice(place);
    const opened = await acceptCase(place);
    await ratingScreen(page).waitFor();
    const attempts: { key: string; status: number | 'lost' }[] = [];
    await page.route('**/api/v1/ratings', async (route) => {
      const key = route.request().headers()['idempotency-key'] ?? '';
      // Every attempt reaches the real API; the answer to the first is lost on the way back.
      const response = await route.fetch();
      attempts.push({ key, status: attempts.length === 0 ? 'lost' : response.status() });
      if (attempts.length === 1) await route.abort('connectionreset');
      else await route.fulfill({ response });
    });
    await rate(page, '非常满意');
    await thanksScreen(page).waitFor();
    await expect.poll(() => attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts[1]).toEqual({ key: attempts[0]!.key, status: 200 });
    await expect.poll(() => page.getByRole('status').count()).toBe(0);
    expect(await ratedOccasions(opened.caseNumber)).toEqual([{ id: opened.occasionId, level: 'very_satisfied', channel: 'device' }]);
    await context.close();
  });

  it('a revoked device is refused: it goes back to pairing at once, and its key gets 401', async () => {
    const { context, page, device } = await pairedDevice(places[6]!);
    expect((await call('POST', `/api/v1/clients/${device.id}/revoke`, admin)).status).toBe(200);
    await page.getByRole('heading', { name: '配对评价器' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('已被管理员停用');
    expect(await stored(page, 'hcp.device.key')).toBeNull();
    await screenshot(page, 'device-revoked');
    expect((await call('GET', '/api/v1/device', device.key)).status).toBe(401);
    expect((await call('GET', '/api/v1/device/events', device.key, undefined, { accept: 'text/event-stream' })).status).toBe(401);
    await context.close();
  });

  it('a device cannot rate an occasion of another window: 403 device_window_mismatch, nothing stored (R5)', async () => {
    const [mine, other] = [places[7]!, places[8]!];
    const device = await newDevice(mine);
    const opened = await acceptCase(other);
    const invitation = await call<{ token: string }>('POST', `/api/v1/occasions/${opened.occasionId}/invitations`, businessKey);
    expect(invitation.status).toBe(201);
    const refused = await call(
      'POST',
      '/api/v1/ratings',
      device.key,
      { token: invitation.body.token, level: 'very_satisfied', channel: 'device' },
      { 'idempotency-key': crypto.randomUUID() },
    );
    expect(refused).toMatchObject({ status: 403, body: { error: { id: 'device_window_mismatch' } } });
    expect(await ratedOccasions(opened.caseNumber)).toEqual([]);
  });

  it('goes back to idle after 60 s without a touch; the occasion stays open for the other channels (R6)', async () => {
    const place = places[7]!;
    const { context, page } = await pairedDevice(place, { fakeClock: true });
    const opened = await acceptCase(place);
    await ratingScreen(page).waitFor();
    await page.clock.fastForward(55_000);
    expect(await ratingScreen(page).isVisible()).toBe(true);
    await page.clock.fastForward(6_000);
    await idleScreen(page).waitFor();
    expect((await occasionsOf(opened.caseNumber)).find((o) => o.id === opened.occasionId)).toMatchObject({ status: 'open', rating: null });
    await context.close();
  });
});
