// The rater's phone page /r/{token} (issue 12) as a citizen meets it, in real
// headless Chromium at a 360×740 phone viewport: `serve --demo` on a fresh
// embedded database, a case sent by the business system, its SMS invitation
// delivered through the outbox (the local sender writes sms-outbox.log), the
// link opened and rated. What was stored is checked through the API, as the
// console and the business system see it. Screenshots of every screen go to
// test-artifacts/rater-*.png.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import AxeBuilder from '@axe-core/playwright';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LEVELS, type Level } from '../../src/domain/ratings.ts';
import { Protector } from '../../src/storage/protect.ts';
import type { Served } from '../support/process.ts';
import { startDemo, type Demo } from '../support/demo.ts';
import { launchChromium, screenshot, type TestBrowser } from '../support/browser.ts';
import { residentId } from '../support/factories.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 240_000 });

let demo: Demo;
let served: Served;
let chromium: TestBrowser;
let dataDir = '';
let businessKey = '';
let adminToken = '';
/** A matter of the demo catalogue and a staff member of its agency: what every case here is about. */
let serving: { matterCode: string; matterName: string; agencyName: string; staffNumber: string; staffName: string; otherMatterCode: string };

const CHINA_YEAR = Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()));
const WEIGHT_LIMIT = 60 * 1024;

beforeAll(async () => {
  demo = await startDemo('hcp-e2e-rater-');
  ({ served, dataDir } = demo);
  const columns = (file: string) => demo.tabFile(file);
  businessKey = columns('demo-api-keys.txt').find((c) => c[0] === 'business_system')![1]!;
  const admin = columns('demo-users.txt').find((c) => c[1] === 'admin')!;
  const session = await api<{ token: string }>('POST', '/api/v1/sessions', { body: { username: admin[0], password: admin[3] } });
  adminToken = session.token;
  // A promised matter (its acceptance is an occasion at once, R7) and someone of its agency to serve it.
  const matters = await api<{ items: { code: string; name: string; agencyCode: string }[] }>('GET', '/api/v1/matters?kind=promised&status=active&pageSize=2', {
    as: 'admin',
  });
  const matter = matters.items[0]!;
  const staff = await api<{ items: { staffNumber: string; name: string }[] }>('GET', `/api/v1/staff?agencyCode=${matter.agencyCode}&status=active&pageSize=1`, {
    as: 'admin',
  });
  const agency = await api<{ name: string }>('GET', `/api/v1/agencies/${matter.agencyCode}`, { as: 'admin' });
  serving = {
    matterCode: matter.code,
    matterName: matter.name,
    agencyName: agency.name,
    staffNumber: staff.items[0]!.staffNumber,
    otherMatterCode: matters.items[1]!.code,
    staffName: staff.items[0]!.name,
  };
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await demo?.stop();
});

async function api<T>(method: string, url: string, options: { body?: unknown; as?: 'admin' | 'business' } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.as === 'admin') headers.authorization = `Bearer ${adminToken}`;
  if (options.as === 'business') headers.authorization = `Bearer ${businessKey}`;
  const response = await fetch(`${served.url}${url}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const body = (await response.json()) as T;
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

interface CaseOut {
  caseNumber: string;
  acceptedAt: string;
  occasions: { id: number; kind: string; rating: { id: number; level: string; channel: string; isDefault: boolean } | null }[];
}

let cases = 0;
/** The business system records a case at acceptance for an applicant with a phone: an SMS invitation goes to the outbox. */
async function openCase(): Promise<CaseOut> {
  cases += 1;
  return api<CaseOut>('POST', '/api/v1/cases', {
    as: 'business',
    body: {
      caseNumber: `RATER-${Date.now()}-${cases}`,
      matterCode: serving.matterCode,
      applicant: { name: '覃小梅', idType: 'resident_id', idNumber: residentId(9000 + cases), phone: `1390000${String(1000 + cases).slice(-4)}` },
      staffNumber: serving.staffNumber,
      acceptedAt: new Date(Date.now() - 60_000).toISOString(),
    },
  });
}

/** The token a link carries names its occasion (readable, not secret: it is signed, not encrypted). */
const occasionOfLink = (link: string) =>
  (JSON.parse(Buffer.from(new URL(link).pathname.split('/')[2]!.split('.')[0]!, 'base64url').toString('utf8')) as { o: number }).o;

/** Runs the deliver-outbox job as the admin, then reads the SMS the local sender recorded: the link sent for each occasion. */
async function deliverInvitations(): Promise<Map<number, { to: string; text: string; link: string }>> {
  const run = await api<{ summary: string }>('POST', '/api/v1/jobs/deliver-outbox/runs', { as: 'admin' });
  expect(run.summary).toMatch(/sent/);
  const sent = new Map<number, { to: string; text: string; link: string }>();
  const log = path.join(dataDir, 'sms-outbox.log');
  for (const line of fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []) {
    const sms = JSON.parse(line) as { to: string; text: string };
    const link = /https?:\/\/\S+\/r\/\S+/.exec(sms.text)?.[0];
    if (link) sent.set(occasionOfLink(link), { ...sms, link });
  }
  return sent;
}

/** Cases with an SMS each, delivered: the link of each case's acceptance. */
async function invitedCases(count: number): Promise<{ case: CaseOut; link: string; sms: { to: string; text: string } }[]> {
  const opened: CaseOut[] = [];
  for (let i = 0; i < count; i++) opened.push(await openCase());
  const sent = await deliverInvitations();
  return opened.map((c) => {
    const sms = sent.get(c.occasions[0]!.id);
    expect(sms, `an SMS for case ${c.caseNumber}`).toBeDefined();
    // Opened as sent: the link names the address the server listens on (PUBLIC_URL unset).
    return { case: c, link: sms!.link, sms: sms! };
  });
}

async function phone(options: { timezoneId?: string } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.browser.newContext({
    locale: 'zh-CN',
    timezoneId: options.timezoneId ?? 'Asia/Shanghai',
    viewport: { width: 360, height: 740 },
    isMobile: true,
    hasTouch: true,
  });
  return { context, page: await context.newPage() };
}

/** Serious and critical accessibility violations of the page as it is now. */
async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The rating as the page shows it after it was given. */
const givenRating = (page: Page) => page.getByRole('region', { name: '您的评价', exact: true });
const levelGroup = (page: Page) => page.getByRole('group', { name: '总体评价' });
const levelButton = (page: Page, level: Level) => levelGroup(page).getByRole('radio', { name: LEVELS[level].zh, exact: true });

async function rate(page: Page, level: Level) {
  await levelButton(page, level).check();
  await page.getByRole('button', { name: '提交评价' }).click();
  await page.getByRole('heading', { name: '感谢您的评价！' }).waitFor();
}

/** The ratings of a case as the console lists them behind the staff member's score: each rating once. */
async function ratingsBehindStaff(caseNumber: string) {
  const page = await api<{ items: { id: number; caseNumber: string | null; level: string; channel: string; tags: string[]; comment: string | null }[] }>(
    'GET',
    `/api/v1/scores/staff/${serving.staffNumber}/ratings?period=${CHINA_YEAR}&pageSize=50`,
    { as: 'admin' },
  );
  return page.items.filter((r) => r.caseNumber === caseNumber);
}

const pageText = (page: Page) => page.locator('main').innerText();
/** How wide the page is laid out: at most the phone's width means nothing scrolls sideways. */
const widthOf = (page: Page) => page.locator('html').evaluate((html) => html.scrollWidth);

describe('the rater’s page, from the SMS link (issue 12)', () => {
  it('an invitation through the outbox: the link shows what was served, and the rating is stored once with channel sms (R5, R7)', async () => {
    const [invited] = await invitedCases(1);
    // The SMS says who served and what, and carries the link (the text itself is the backend's; here only what the rater relies on).
    expect(invited!.sms.text).toContain(serving.staffName);
    expect(invited!.sms.to).not.toContain('13900'); // R9: the number is masked in the log
    // A phone set to another zone still reads China time.
    const { context, page } = await phone({ timezoneId: 'Europe/London' });
    await page.goto(invited!.link);
    await levelGroup(page).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    const shown = await pageText(page);
    const acceptedAt = new Date(invited!.case.acceptedAt);
    const chinaDay = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'long' }).format(acceptedAt);
    const chinaTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(acceptedAt);
    for (const fact of [serving.matterName, serving.agencyName, serving.staffName, serving.staffNumber, '受理', `${chinaDay} ${chinaTime}`])
      expect(shown).toContain(fact);
    // The five levels, in order, as one radio group; phone-wide, nothing scrolls sideways.
    expect(await levelGroup(page).locator('label').allInnerTexts()).toEqual(Object.values(LEVELS).map((l) => l.zh));
    expect(await levelGroup(page).getByRole('radio').count()).toBe(5);
    expect(await widthOf(page)).toBeLessThanOrEqual(360);
    // Tags and text are for the negative levels only (R4, R6).
    expect(await page.locator('#comment').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'rater-form');

    await rate(page, 'satisfied');
    expect(await givenRating(page).innerText()).toContain('满意');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'rater-thanks');

    // Stored once, with the SMS channel: as the business system and the console see it.
    const stored = await api<CaseOut>('GET', `/api/v1/cases/${invited!.case.caseNumber}`, { as: 'business' });
    expect(stored.occasions[0]!.rating).toMatchObject({ level: 'satisfied', channel: 'sms', isDefault: false });
    expect(await ratingsBehindStaff(invited!.case.caseNumber)).toMatchObject([{ level: 'satisfied', channel: 'sms' }]);

    // Opened again, the link shows the rating given with it.
    await page.reload();
    await page.getByRole('heading', { name: '您已评价过这次服务' }).waitFor();
    expect(await givenRating(page).innerText()).toContain('满意');
    expect(await levelGroup(page).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'rater-opened-again');
    expect(await ratingsBehindStaff(invited!.case.caseNumber)).toHaveLength(1);
    await context.close();
  });

  it('rates each of the five levels (R6): each stored once, with its level, through the SMS channel', async () => {
    const levels = Object.keys(LEVELS) as Level[];
    const invited = await invitedCases(levels.length);
    for (const [i, level] of levels.entries()) {
      const { context, page } = await phone();
      await page.goto(invited[i]!.link);
      await rate(page, level);
      expect(await givenRating(page).locator('.given-level').innerText()).toBe(LEVELS[level].zh);
      await context.close();
    }
    for (const [i, level] of levels.entries()) {
      const stored = await ratingsBehindStaff(invited[i]!.case.caseNumber);
      expect(stored, level).toMatchObject([{ level, channel: 'sms' }]);
    }
  });

  it('a negative rating carries aspect levels, tags and text (R4), with a live counter and a limit of 500 characters', async () => {
    const [invited] = await invitedCases(1);
    const { context, page } = await phone();
    await page.goto(invited!.link);
    await levelButton(page, 'very_dissatisfied').check();
    // The tags of R4, under their aspects, and the text box appear for a negative level…
    const tags = page.getByRole('region', { name: '您遇到的问题（可多选）' });
    await tags.waitFor();
    expect(await tags.getByRole('checkbox').count()).toBe(9);
    // …and go away for a level that is not negative.
    await levelButton(page, 'basically_satisfied').check();
    expect(await page.locator('#comment').count()).toBe(0);
    await levelButton(page, 'dissatisfied').check();

    await page.getByText('分项评价（选填）').click();
    await page.getByRole('group', { name: '服务态度' }).first().getByRole('radio', { name: '非常不满意', exact: true }).check();
    await page.getByRole('group', { name: '办事效率' }).first().getByRole('radio', { name: '不满意', exact: true }).check();
    await page.getByRole('checkbox', { name: '推诿扯皮' }).check();
    await page.getByRole('checkbox', { name: '多次跑动' }).check();
    const comment = '材料一次没讲清楚，来回跑了三趟。';
    const box = page.getByRole('textbox', { name: '意见和建议（选填）' });
    await box.fill('测'.repeat(600));
    expect((await box.inputValue()).length).toBe(500);
    expect(await page.locator('#comment-count').innerText()).toContain('500/500');
    await box.fill(comment);
    expect(await page.locator('#comment-count').innerText()).toContain(`${comment.length}/500`);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'rater-negative');

    await page.getByRole('button', { name: '提交评价' }).click();
    await page.getByRole('heading', { name: '感谢您的评价！' }).waitFor();
    const given = await givenRating(page).innerText();
    for (const fact of ['不满意', '推诿扯皮', '多次跑动', comment, '服务态度']) expect(given).toContain(fact);
    await screenshot(page, 'rater-thanks-negative');

    const [stored] = await ratingsBehindStaff(invited!.case.caseNumber);
    expect(stored).toMatchObject({ level: 'dissatisfied', channel: 'sms', comment });
    expect([...stored!.tags].sort()).toEqual(['attitude.buck_passing', 'efficiency.repeat_visits']);
    const rating = await api<{ aspects: Record<string, string | null> }>('GET', `/api/v1/ratings/${stored!.id}`, { as: 'business' });
    expect(rating.aspects).toEqual({ attitude: 'very_dissatisfied', quality: null, efficiency: 'dissatisfied' });
    await context.close();
  });

  it('the QR code on the receipt (?via=qr) rates through the web channel (R5)', async () => {
    const [invited] = await invitedCases(1);
    const { context, page } = await phone();
    await page.goto(`${invited!.link}?via=qr`);
    await rate(page, 'very_satisfied');
    expect(await ratingsBehindStaff(invited!.case.caseNumber)).toMatchObject([{ level: 'very_satisfied', channel: 'web' }]);
    await context.close();
  });

  it('a package (一件事) as a whole: the link names the package and no staff member, and the rating is stored with the package (R8)', async () => {
    const packageNumber = `RATER-PK-${Date.now()}`;
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    await api('POST', '/api/v1/packages', {
      as: 'business',
      body: {
        packageNumber,
        name: '开办企业一件事',
        applicant: { name: '覃小梅', idType: 'resident_id', idNumber: residentId(8001), phone: '13900008001' },
        members: [
          { caseNumber: `${packageNumber}-1`, matterCode: serving.matterCode },
          { caseNumber: `${packageNumber}-2`, matterCode: serving.otherMatterCode },
        ],
        acceptance: { staffNumber: serving.staffNumber, at: at(3), ratesAtWindow: true },
      },
    });
    await api('POST', `/api/v1/packages/${packageNumber}/stages/approval`, {
      as: 'business',
      body: { staffNumber: serving.staffNumber, at: at(2), ratesAtWindow: true },
    });
    await api('POST', `/api/v1/packages/${packageNumber}/stages/delivery`, {
      as: 'business',
      body: { staffNumber: serving.staffNumber, at: at(1), ratesAtWindow: true },
    });
    const pkg = await api<{ occasions: { id: number; kind: string }[] }>('GET', `/api/v1/packages/${packageNumber}`, { as: 'business' });
    const composite = pkg.occasions.find((o) => o.kind === 'composite')!;
    const sms = (await deliverInvitations()).get(composite.id);
    expect(sms, 'an SMS for the package as a whole').toBeDefined();

    const { context, page } = await phone();
    await page.goto(sms!.link);
    await levelGroup(page).waitFor();
    const subject = await page.getByRole('region', { name: '您本次办理的服务' }).innerText();
    expect(subject).toContain('开办企业一件事');
    expect(subject).not.toContain('工作人员'); // R8: the composite rating is for the agencies and regions, not for staff
    await screenshot(page, 'rater-package');
    await rate(page, 'very_satisfied');
    const rated = await api<{ occasions: { id: number; rating: { level: string; channel: string } | null }[] }>('GET', `/api/v1/packages/${packageNumber}`, {
      as: 'business',
    });
    expect(rated.occasions.find((o) => o.id === composite.id)!.rating).toMatchObject({ level: 'very_satisfied', channel: 'sms' });
    await context.close();
  });

  it('an answer lost on the way: "重新提交" sends the same Idempotency-Key, and the rating is stored once (R7)', async () => {
    const [invited] = await invitedCases(1);
    const { context, page } = await phone();
    await page.goto(invited!.link);
    const keys: string[] = [];
    let lose = true;
    await page.route('**/api/v1/ratings', async (route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      if (!lose) return route.continue();
      // The server stores the rating; its answer never reaches the phone.
      await route.fetch();
      lose = false;
      return route.abort('connectionreset');
    });
    await levelButton(page, 'satisfied').check();
    await page.getByRole('button', { name: '提交评价' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('网络连接失败');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'rater-not-sent');
    await page.getByRole('button', { name: '重新提交' }).click();
    await page.getByRole('heading', { name: '感谢您的评价！' }).waitFor();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(await ratingsBehindStaff(invited!.case.caseNumber)).toMatchObject([{ level: 'satisfied', channel: 'sms' }]);
    await context.close();
  });
});

describe('links that cannot be rated get a page of their own', () => {
  async function expectProblemPage(page: Page, title: string, says: string[], artifact: string) {
    await page.getByRole('heading', { name: title }).waitFor();
    const shown = await pageText(page);
    for (const text of says) expect(shown).toContain(text);
    // What to do next: the hotline, as a number the phone can call.
    expect(await page.getByRole('link', { name: '拨打 12345' }).getAttribute('href')).toBe('tel:12345');
    expect(await levelGroup(page).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, artifact);
  }

  it('invalid: a tampered or unknown link (401 invalid_token)', async () => {
    const [invited] = await invitedCases(1);
    const { context, page } = await phone();
    const tampered = invited!.link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    await page.goto(tampered);
    await expectProblemPage(page, '评价链接无效', ['短信'], 'rater-invalid');
    await page.goto(`${served.url}/r/not-a-link`);
    await page.getByRole('heading', { name: '评价链接无效' }).waitFor();
    expect(await ratingsBehindStaff(invited!.case.caseNumber)).toEqual([]);
    await context.close();
  });

  it('expired: the rating period is over and the default rating applies (410 token_expired, R6)', async () => {
    const [invited] = await invitedCases(1);
    // A link signed with an expiry that has passed: the server's own key (the data folder's), a past deadline.
    const protector = new Protector(Buffer.from(fs.readFileSync(path.join(dataDir, 'keys', 'protection.key'), 'utf8').trim(), 'base64'));
    const token = new URL(invited!.link).pathname.split('/')[2]!;
    const payload = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as { e: number };
    const expired = protector.sign({ ...payload, e: Date.now() - 1000 });
    const { context, page } = await phone();
    await page.goto(`${served.url}/r/${expired}`);
    await expectProblemPage(page, '评价期限已过', ['评价期限已经结束', '非常满意'], 'rater-expired');
    await context.close();
  });

  it('used: the same link open on a second screen cannot rate again (409 token_already_used, R7)', async () => {
    const [invited] = await invitedCases(1);
    // The same link open on two screens; rated on the first, the second finds out when it submits.
    const first = await phone();
    const second = await phone();
    await first.page.goto(invited!.link);
    await second.page.goto(invited!.link);
    await levelGroup(second.page).waitFor();
    await rate(first.page, 'basically_satisfied');
    await levelButton(second.page, 'very_satisfied').check();
    await second.page.getByRole('button', { name: '提交评价' }).click();
    await expectProblemPage(second.page, '这个链接已经用过了', ['已经提交'], 'rater-used');

    expect(await ratingsBehindStaff(invited!.case.caseNumber)).toMatchObject([{ level: 'basically_satisfied' }]);
    await first.context.close();
    await second.context.close();
  });

  it('rated elsewhere: a second link of a service rated through the first (409 rating_already_given, R7)', async () => {
    const [invited] = await invitedCases(1);
    // Two links for one occasion: the SMS one, and one the business system asks for (e.g. for the receipt's QR code).
    const other = await api<{ token: string }>('POST', `/api/v1/occasions/${invited!.case.occasions[0]!.id}/invitations`, { as: 'business' });
    const { context, page } = await phone();
    await page.goto(invited!.link);
    await rate(page, 'satisfied');
    await page.goto(`${served.url}/r/${other.token}?via=qr`);
    await expectProblemPage(page, '这次服务已经评价过了', ['只能评价一次'], 'rater-rated-elsewhere');
    await context.close();
  });

  it('withdrawn: the case was withdrawn, there is nothing to rate (409 occasion_cancelled)', async () => {
    const [invited] = await invitedCases(1);
    await api('POST', `/api/v1/cases/${invited!.case.caseNumber}/withdraw`, { as: 'business', body: { reason: '申请人撤回申请' } });
    const { context, page } = await phone();
    await page.goto(invited!.link);
    await expectProblemPage(page, '办件已撤回', ['无需评价'], 'rater-withdrawn');
    await context.close();
  });

  it('no network: a page that says so, and "重试" loads the rating once the network is back', async () => {
    const [invited] = await invitedCases(1);
    const { context, page } = await phone();
    await page.route('**/api/v1/invitations/**', (route) => route.abort('internetdisconnected'));
    await page.goto(invited!.link);
    await expectProblemPage(page, '网络连接失败', ['检查手机网络'], 'rater-network');
    await page.unroute('**/api/v1/invitations/**');
    await page.getByRole('button', { name: '重试' }).click();
    await levelGroup(page).waitFor();
    await context.close();
  });
});

describe('for everyone', () => {
  it('大字版: larger type and targets, high contrast, remembered on the phone across a reload', async () => {
    const [invited] = await invitedCases(1);
    const { context, page } = await phone();
    await page.goto(invited!.link);
    const toggle = page.getByRole('button', { name: '大字版' });
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    const sizeOf = async () =>
      levelButton(page, 'very_satisfied').evaluate((input) => {
        const label = input.closest('label')!;
        return { height: label.getBoundingClientRect().height, font: parseFloat(label.ownerDocument.defaultView!.getComputedStyle(label).fontSize) };
      });
    const normal = await sizeOf();
    expect(normal.height).toBeGreaterThanOrEqual(44); // a finger-sized target even in the normal mode
    await toggle.click();
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    const large = await sizeOf();
    expect(large.font).toBeGreaterThan(normal.font * 1.15);
    expect(large.height).toBeGreaterThan(normal.height * 1.15);
    await page.reload();
    await levelGroup(page).waitFor();
    expect(await page.getByRole('button', { name: '大字版' }).getAttribute('aria-pressed')).toBe('true');
    expect(await sizeOf()).toEqual(large);
    expect(await widthOf(page)).toBeLessThanOrEqual(360);
    await levelButton(page, 'very_dissatisfied').check();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'rater-large');
    // Off again, and remembered off.
    await page.getByRole('button', { name: '大字版' }).click();
    await page.reload();
    await levelGroup(page).waitFor();
    expect(await page.getByRole('button', { name: '大字版' }).getAttribute('aria-pressed')).toBe('false');
    expect(await sizeOf()).toEqual(normal);
    await context.close();
  });

  it('keyboard only: Tab to the levels, arrows to choose, Enter to send', async () => {
    const [invited] = await invitedCases(1);
    const { context, page } = await phone();
    await page.goto(invited!.link);
    await levelGroup(page).waitFor();
    await page.keyboard.press('Tab'); // 大字版
    expect(await page.locator(':focus').innerText()).toBe('大字版');
    await page.keyboard.press('Tab'); // the level group
    expect(await page.locator(':focus').getAttribute('name')).toBe('level');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await levelButton(page, 'basically_satisfied').isChecked()).toBe(true);
    await page.keyboard.press('Tab'); // 分项评价 (folded)
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').innerText()).toBe('提交评价');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '感谢您的评价！' }).waitFor();
    // The new screen is announced: the focus is on its heading.
    expect(await page.locator(':focus').innerText()).toBe('感谢您的评价！');
    expect(await ratingsBehindStaff(invited!.case.caseNumber)).toMatchObject([{ level: 'basically_satisfied' }]);
    await context.close();
  });

  it('without a level, submitting says what is missing and goes to the levels', async () => {
    const [invited] = await invitedCases(1);
    const { context, page } = await phone();
    await page.goto(invited!.link);
    await page.getByRole('button', { name: '提交评价' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('请先选择一项总体评价');
    // Read out with the group too, not only once as an alert.
    expect(await levelGroup(page).getAttribute('aria-describedby')).toContain(await page.getByRole('alert').getAttribute('id'));
    expect(await page.locator(':focus').getAttribute('name')).toBe('level');
    expect(await ratingsBehindStaff(invited!.case.caseNumber)).toEqual([]);
    await context.close();
  });

  it('weight: no Element Plus, and under 60 KB of gzipped JS and CSS in all', async () => {
    const [invited] = await invitedCases(1);
    const { context, page } = await phone();
    const assets: { url: string; type: string; body: Promise<Buffer> }[] = [];
    page.on('response', (response) => {
      const type = response.request().resourceType();
      if (type === 'script' || type === 'stylesheet') assets.push({ url: response.url(), type, body: response.body() });
    });
    await page.goto(invited!.link);
    await levelGroup(page).waitFor();
    await levelButton(page, 'very_dissatisfied').check(); // everything the page can show, shown
    await page.getByText('分项评价（选填）').click();
    await page.waitForLoadState('networkidle');
    expect(assets.length).toBeGreaterThan(0);
    let gzipped = 0;
    for (const asset of assets) {
      const body = await asset.body;
      gzipped += gzipSync(body, { level: 9 }).length;
      expect(asset.url).not.toMatch(/element-plus|echarts|vue-i18n/i);
      expect(body.toString('utf8')).not.toMatch(/\.el-button|ElementPlus|--el-color-primary/);
      // The bundle users get: Vue's production build (a build run with NODE_ENV=test keeps its development warnings, 13 KB more).
      expect(body.toString('utf8'), `${asset.url} is a development build`).not.toContain('Failed to mount app');
    }
    expect(await page.locator('[class^="el-"], [class*=" el-"]').count()).toBe(0);
    console.log(`rater page: ${assets.length} scripts and stylesheets, ${(gzipped / 1024).toFixed(1)} KB gzipped`);
    expect(gzipped).toBeLessThan(WEIGHT_LIMIT);
    await context.close();
  });
});
