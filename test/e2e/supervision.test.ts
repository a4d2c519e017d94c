// The supervision loop (issue 13) as its people meet it, in real headless
// Chromium: `serve --demo` on a fresh embedded database. A case is sent by
// the business system and rated negatively with its link (through the API,
// as the rater's page does); then, in the console, a supervisor reviews
// (R6) and verifies (R12) it, the agency records its measures, the feedback
// SMS leaves through the outbox, and the rater grades the fix on their page.
// And a revocation (R11): one supervisor finds an objective cause, a second
// one approves it, and the staff member's score moves back while the score
// as it stood before the approval does not. Screenshots go to
// test-artifacts/supervision-*.png; axe checks each screen.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDemo, type Demo } from '../support/demo.ts';
import { launchChromium, screenshot, type TestBrowser } from '../support/browser.ts';
import { residentId } from '../support/factories.ts';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 240_000 });

const CHINA_YEAR = Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()));

let demo: Demo;
let chromium: TestBrowser;
/** username → a session token, for the API calls the test makes beside the browser. */
const tokens: Record<string, string> = {};
/** The agency manager's agency, one of its staff, and a matter: what every case here is about. */
let serving: { agencyCode: string; staffNumber: string; matterCode: string; matterName: string };

beforeAll(async () => {
  demo = await startDemo('hcp-e2e-supervision-');
  for (const username of ['admin', 'sup-xingning', 'sup-nanning', 'agency-manager'])
    tokens[username] = (await api<{ token: string }>('POST', '/api/v1/sessions', { body: { username, password: demo.passwords[username] } })).token;
  const me = await api<{ scope: { agencyCode: string } }>('GET', '/api/v1/me', { as: 'agency-manager' });
  const staff = await api<{ items: { staffNumber: string }[] }>('GET', `/api/v1/staff?agencyCode=${me.scope.agencyCode}&status=active&page=1&pageSize=1`, {
    as: 'admin',
  });
  const matters = await api<{ items: { code: string; name: string }[] }>('GET', '/api/v1/matters?kind=promised&status=active&page=1&pageSize=1', {
    as: 'admin',
  });
  serving = {
    agencyCode: me.scope.agencyCode,
    staffNumber: staff.items[0]!.staffNumber,
    matterCode: matters.items[0]!.code,
    matterName: matters.items[0]!.name,
  };
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await demo?.stop();
});

async function api<T>(method: string, url: string, options: { body?: unknown; as?: string } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.as === 'business') headers.authorization = `Bearer ${demo.keys.business_system}`;
  else if (options.as) headers.authorization = `Bearer ${tokens[options.as]}`;
  const response = await fetch(`${demo.url}${url}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const body = (await response.json()) as T;
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

let cases = 0;
/**
 * A case of the agency manager's agency, accepted a minute ago for an
 * applicant with a phone, rated through its link (the rater's channel 'web').
 */
async function ratedCase(rating: { level: string; tags?: string[]; comment?: string }) {
  cases += 1;
  const caseNumber = `SUP-${Date.now()}-${cases}`;
  const created = await api<{ occasions: { id: number }[] }>('POST', '/api/v1/cases', {
    as: 'business',
    body: {
      caseNumber,
      matterCode: serving.matterCode,
      agencyCode: serving.agencyCode,
      applicant: { name: '覃小梅', idType: 'resident_id', idNumber: residentId(7000 + cases), phone: `1397700${String(1000 + cases).slice(-4)}` },
      staffNumber: serving.staffNumber,
      acceptedAt: new Date(Date.now() - 60_000).toISOString(),
    },
  });
  const link = await api<{ token: string }>('POST', `/api/v1/occasions/${created.occasions[0]!.id}/invitations`, { as: 'business' });
  const given = await api<{ id: number }>('POST', '/api/v1/ratings', { body: { token: link.token, channel: 'web', ...rating } });
  return { caseNumber, token: link.token, ratingId: given.id };
}

interface Item {
  id: number;
  workflow: string;
  state: string;
  ratingId: number;
}
/** The items of a rating, as a supervisor of the whole region sees them. */
async function itemsOf(ratingId: number): Promise<Item[]> {
  return (await api<{ items: Item[] }>('GET', `/api/v1/supervision/items?rating=${ratingId}&status=all&queue=all&page=1&pageSize=20`, { as: 'sup-nanning' }))
    .items;
}

type Session = Awaited<ReturnType<BrowserContext['storageState']>>;
/** username → the session (cookie) of its first sign-in through the sign-in page here, for the pages opened later. */
const sessions = new Map<string, Session>();

async function freshPage(options: { phone?: boolean; session?: Session } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.browser.newContext({
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: options.phone ? { width: 360, height: 740 } : { width: 1280, height: 800 },
    ...(options.phone ? { isMobile: true, hasTouch: true } : {}),
    ...(options.session ? { storageState: options.session } : {}),
  });
  return { context, page: await context.newPage() };
}

/**
 * Opens `url` of the console as `username`, in a browser context of its own: signing in on the way the first time
 * (that session is kept), and with that session afterwards.
 */
async function signedIn(username: string, url: string) {
  const session = sessions.get(username);
  const opened = await freshPage({ session });
  await opened.page.goto(`${demo.url}${url}`);
  if (!session) {
    await opened.page.fill('#username', username);
    await opened.page.fill('#password', demo.passwords[username]!);
    await opened.page.click('button[type=submit]');
  }
  await opened.page.waitForURL((u) => u.pathname === url.split('?')[0]);
  if (!session) sessions.set(username, await opened.context.storageState());
  return opened;
}

/** Serious and critical accessibility violations of the page as it is now. */
async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The queue's row of a case, once the queue has answered. */
const queueRow = (page: Page, caseNumber: string) => page.locator('.queue-table .el-table__body tr', { hasText: caseNumber });

/** Takes a step on the open item page: its button, then the dialog's fields, then 提交. */
async function takeStep(page: Page, step: string, fill: (dialog: ReturnType<Page['getByRole']>) => Promise<void> = async () => {}) {
  await page.locator('.steps').getByRole('button', { name: step, exact: true }).click();
  const dialog = page.getByRole('dialog', { name: step });
  await dialog.waitFor();
  await fill(dialog);
  await dialog.getByRole('button', { name: '提交' }).click();
  await dialog.waitFor({ state: 'hidden' });
}

/** The item page's state, as its heading's tag shows it. */
const shownState = (page: Page) => page.locator('h1 .el-tag').first().innerText();

describe('the supervision loop in the console and on the rater’s page (issue 13)', () => {
  it('a negative rating with text: reviewed, verified, rectified by the agency, fed back by SMS, graded by the rater (R6, R12)', async () => {
    const comment = '窗口人员态度生硬，材料要求没有一次讲清楚。';
    const rated = await ratedCase({ level: 'very_dissatisfied', tags: ['attitude.impolite', 'efficiency.overdue'], comment });
    expect((await itemsOf(rated.ratingId)).map((i) => [i.workflow, i.state])).toEqual([['review', 'pending']]);

    // The Xingning supervisor's own queue (the agency's region) lists it for review, with its deadline.
    const sup = await signedIn('sup-xingning', '/supervision/review');
    const row = queueRow(sup.page, rated.caseNumber);
    await row.waitFor();
    const cells = await row.locator('td').allInnerTexts();
    expect(cells.join(' ')).toContain(serving.matterName);
    expect(cells[3]).toContain('待审核');
    expect(cells[4]).toMatch(/\d{4}年\d{1,2}月\d{1,2}日/);
    expect(cells[5]).toMatch(/^1[45] 天/); // R6: 15 natural days to review
    expect(sup.page.url()).not.toContain('queue='); // the supervisor's own department by default
    expect(await seriousViolations(sup.page)).toEqual([]);
    await screenshot(sup.page, 'supervision-queue');

    // The item: the rating masked and its rater never shown (R9), the case, the check beside the claim it can check.
    await row.getByRole('link', { name: '办理' }).click();
    await sup.page.waitForURL(/\/supervision\/items\/\d+/);
    await sup.page.locator('.claims').waitFor();
    const ratingCard = await sup.page.locator('.rating-card').innerText();
    expect(ratingCard).toContain(comment);
    expect(ratingCard).not.toContain('覃');
    expect(await sup.page.locator('.claims tr', { hasText: '超时办理' }).innerText()).toMatch(/办件数据(相符|不支持)[\s\S]*承诺时限/);
    expect(await sup.page.locator('.claims tr', { hasText: '言语不文明' }).innerText()).toContain('无可核对的办件数据');
    expect(await sup.page.locator('.case-card').innerText()).toContain(rated.caseNumber);
    expect(await sup.page.locator('.steps .buttons > button').allInnerTexts()).toEqual(['审核通过', '审核不通过']);
    expect(await seriousViolations(sup.page)).toEqual([]);
    await screenshot(sup.page, 'supervision-review');

    // Review: approved. The loop moves on to verification.
    await takeStep(sup.page, '审核通过');
    await expect.poll(() => shownState(sup.page)).toBe('审核通过');
    await expect.poll(() => sup.page.locator('.steps').innerText()).toContain('此事项当前无需您办理');
    const verification = sup.page.locator('.related a', { hasText: '核实' });
    await verification.click();
    await expect.poll(() => shownState(sup.page)).toBe('待核实');

    // Evidence: a PDF uploaded to the verification, downloaded as stored (its SHA-256).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-e2e-evidence-'));
    const pdf = path.join(dir, '现场核查记录.pdf');
    const content = Buffer.from('%PDF-1.4\n% 核查记录\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    fs.writeFileSync(pdf, content);
    await sup.page.setInputFiles('#evidence-file', pdf);
    const file = sup.page.locator('.evidence-table a', { hasText: '现场核查记录.pdf' });
    await file.waitFor();
    const downloaded = await sup.page.request.get(new URL((await file.getAttribute('href'))!, demo.url).toString());
    expect(downloaded.status()).toBe(200);
    expect(downloaded.headers()['x-content-sha256']).toBe(createHash('sha256').update(content).digest('hex'));
    expect(Buffer.from(await downloaded.body())).toEqual(content);
    fs.rmSync(dir, { recursive: true, force: true });

    // Verification: confirmed, with findings. A rectification opens (R12).
    await takeStep(sup.page, '核实属实', (dialog) => dialog.locator('#step-findings').fill('经调阅窗口录像，工作人员答复生硬，一次性告知不到位，情况属实。'));
    await expect.poll(() => shownState(sup.page)).toBe('属实');
    await expect.poll(() => sup.page.locator('.history').innerText()).toContain('核实属实');
    await screenshot(sup.page, 'supervision-verification');
    await sup.context.close();
    const rectification = (await itemsOf(rated.ratingId)).find((i) => i.workflow === 'rectification')!;
    expect(rectification.state).toBe('open');

    // The agency records its measures in the console; it may also appeal, and decides nothing else.
    const agency = await signedIn('agency-manager', '/supervision/rectification');
    const agencyRow = queueRow(agency.page, rated.caseNumber);
    await agencyRow.waitFor();
    await agencyRow.getByRole('link', { name: '办理' }).click();
    await agency.page.waitForURL(new RegExp(`/supervision/items/${rectification.id}\\?`));
    await agency.page.locator('.steps .buttons > button').first().waitFor();
    expect(await agency.page.locator('.steps .buttons > button').allInnerTexts()).toEqual(['录入整改措施', '申诉']);
    expect(await seriousViolations(agency.page)).toEqual([]);
    const measures = '已对该窗口工作人员进行服务规范培训，并在窗口张贴一次性告知清单。';
    await takeStep(agency.page, '录入整改措施', (dialog) => dialog.locator('#step-measures').fill(measures));
    await expect.poll(() => shownState(agency.page)).toBe('已整改，待评价人评价');
    expect(await agency.page.locator('.recorded').innerText()).toContain(measures);
    await screenshot(agency.page, 'supervision-rectification');
    await agency.context.close();

    // The feedback leaves through the outbox: an SMS to the rater (masked in the console, R9), with the link to their page.
    await api('POST', '/api/v1/jobs/deliver-outbox/runs', { as: 'admin' });
    const outbox = await api<{ items: { topic: string; to: string; text: string; status: string }[] }>('GET', '/api/v1/outbox?page=1&pageSize=50', {
      as: 'admin',
    });
    const sms = outbox.items.find((m) => m.topic === 'feedback' && m.text.includes(measures));
    expect(sms, 'the feedback SMS in the outbox').toMatchObject({ status: 'sent' });
    expect(sms!.to).toMatch(/^\d{3}\*{4}\d{4}$/);
    expect(sms!.text).toContain(serving.matterName);
    const log = fs.readFileSync(path.join(demo.dataDir, 'sms-outbox.log'), 'utf8').trim().split('\n');
    const sent = log.map((line) => JSON.parse(line) as { text: string }).find((m) => m.text.includes(measures))!;
    const link = /https?:\/\/\S+\/r\/\S+/.exec(sent.text)![0];
    expect(new URL(link).pathname).toBe(`/r/${rated.token}`);
    const admin = await signedIn('admin', '/system/outbox');
    await expect.poll(() => admin.page.locator('.outbox-table').innerText()).toContain('已整改');
    await admin.context.close();

    // The rater opens the link again: the stage in plain words, the feedback with its date, the measures; and grades the fix.
    const rater = await freshPage({ phone: true });
    await rater.page.goto(link);
    const followUp = rater.page.getByRole('region', { name: '处理进展' });
    await followUp.waitFor();
    const shown = await followUp.innerText();
    expect(shown).toContain('您反映的问题已整改，请您评价整改结果。');
    // The measures once (in the rectification block, with when they were done), not again as a note.
    expect(shown.split(measures)).toHaveLength(2);
    expect(shown).toMatch(/整改完成时间\s*\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}/);
    const grades = followUp.getByRole('group', { name: '您对整改结果满意吗？' });
    expect(await grades.getByRole('button').allInnerTexts()).toEqual(['满意', '基本满意', '不满意']);
    expect(await rater.page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(360);
    expect(await seriousViolations(rater.page)).toEqual([]);
    await screenshot(rater.page, 'supervision-rater-feedback');
    await grades.getByRole('button', { name: '满意', exact: true }).click();
    await expect.poll(() => followUp.innerText()).toContain('您对整改结果的评价');
    expect(await followUp.innerText()).toContain('您反映的问题已整改，处理已结束。');
    expect(await followUp.getByRole('button').count()).toBe(0);
    await screenshot(rater.page, 'supervision-rater-graded');
    await rater.context.close();
    expect((await itemsOf(rated.ratingId)).find((i) => i.workflow === 'rectification')!.state).toBe('closed');
  });

  it('not satisfied with the fix, the rater has it rectified again, once, before the deadline shown (R12)', async () => {
    const rated = await ratedCase({ level: 'dissatisfied' });
    const [verification] = await itemsOf(rated.ratingId);
    expect(verification).toMatchObject({ workflow: 'verification', state: 'pending' });
    await api('POST', `/api/v1/supervision/items/${verification!.id}/steps`, { as: 'sup-xingning', body: { event: 'confirm', findings: '属实' } });
    const rectification = (await itemsOf(rated.ratingId)).find((i) => i.workflow === 'rectification')!;
    await api('POST', `/api/v1/supervision/items/${rectification.id}/steps`, { as: 'agency-manager', body: { event: 'complete', measures: '已当面致歉。' } });

    const rater = await freshPage({ phone: true });
    await rater.page.goto(`${demo.url}/r/${rated.token}`);
    const followUp = rater.page.getByRole('region', { name: '处理进展' });
    await followUp.getByRole('button', { name: '不满意' }).click();
    const again = followUp.getByRole('button', { name: '重新整改' });
    await again.waitFor();
    expect(await followUp.innerText()).toMatch(/可在\d{4}年\d{1,2}月\d{1,2}日24时前要求重新整改一次/);
    expect(await seriousViolations(rater.page)).toEqual([]);
    await screenshot(rater.page, 'supervision-rater-reopen');
    await again.click();
    await expect.poll(() => followUp.innerText()).toContain('已按您的要求重新整改');
    expect(await followUp.innerText()).toContain('整改期限');
    expect(await followUp.getByRole('button').count()).toBe(0);
    await rater.context.close();
    expect((await itemsOf(rated.ratingId)).find((i) => i.workflow === 'rectification')!.state).toBe('open');
  });

  it('a revocation needs a second person: Xingning proposes, Nanning approves; the score moves back, and as of before it does not (R11)', async () => {
    const rated = await ratedCase({ level: 'very_dissatisfied' });
    const staffScore = (asOf?: string) =>
      api<{ count: number; mean: number }>(
        'GET',
        `/api/v1/scores/staff/${serving.staffNumber}?period=${CHINA_YEAR}${asOf ? `&asOf=${encodeURIComponent(asOf)}` : ''}`,
        {
          as: 'admin',
        },
      );
    const before = await staffScore();

    // Xingning finds an objective cause (an IT fault): this proposes the revocation, which Xingning may not approve itself.
    const proposer = await signedIn('sup-xingning', '/supervision/verification');
    const row = queueRow(proposer.page, rated.caseNumber);
    await row.waitFor();
    await row.getByRole('link', { name: '办理' }).click();
    await proposer.page.locator('.steps .buttons > button').first().waitFor();
    await takeStep(proposer.page, '属客观原因，提请撤销', async (dialog) => {
      await dialog.getByRole('radio', { name: '信息系统故障' }).check({ force: true });
      await dialog.locator('#step-findings').fill('受理当日一体化平台接口故障，申请人等候超过一小时，非窗口人员原因。');
    });
    await expect.poll(() => shownState(proposer.page)).toBe('客观原因，待撤销审批');
    await proposer.page.locator('.related a', { hasText: '撤销审批' }).click();
    await expect.poll(() => shownState(proposer.page)).toBe('待审批');
    expect(await proposer.page.locator('.steps .buttons > button').allInnerTexts()).toEqual(['撤回提请']);
    await proposer.context.close();
    const revocation = (await itemsOf(rated.ratingId)).find((i) => i.workflow === 'revocation')!;
    expect(revocation.state).toBe('proposed');

    // Nanning, above Xingning, approves it in its region's revocation queue (whole region by default: the second person is often one level up).
    const approver = await signedIn('sup-nanning', '/supervision/revocation');
    const approverRow = queueRow(approver.page, rated.caseNumber);
    await approverRow.waitFor();
    expect(await approverRow.innerText()).toContain('待审批');
    await approverRow.getByRole('link', { name: '办理' }).click();
    await approver.page.waitForURL(new RegExp(`/supervision/items/${revocation.id}\\?`));
    await approver.page.locator('.steps .buttons > button').first().waitFor();
    expect(await approver.page.locator('.steps .buttons > button').allInnerTexts()).toEqual(['批准撤销', '不予撤销']);
    expect(await approver.page.locator('.recorded').innerText()).toContain('信息系统故障');
    expect(await seriousViolations(approver.page)).toEqual([]);
    await screenshot(approver.page, 'supervision-revocation');
    const beforeApproval = new Date().toISOString();
    await takeStep(approver.page, '批准撤销');
    await expect.poll(() => shownState(approver.page)).toBe('已批准撤销');
    expect(await approver.page.locator('.el-alert', { hasText: '该评价已不计入得分' }).count()).toBe(1);
    expect(await approver.page.locator('.history').innerText()).toMatch(/提请撤销[\s\S]*批准撤销/);
    await screenshot(approver.page, 'supervision-revoked');

    // The staff member's score moves back: the revoked rating no longer counts…
    const after = await staffScore();
    expect(after.count).toBe(before.count - 1);
    expect(after.mean).toBeGreaterThan(before.mean);
    await approver.page.goto(`${demo.url}/scores/staff/${serving.staffNumber}?period=${CHINA_YEAR}`);
    const figures = approver.page.locator('.figures .el-statistic');
    await figures.first().waitFor();
    await expect.poll(async () => (await figures.nth(0).locator('.el-statistic__content').innerText()).replace(/\D/g, '')).toBe(String(after.count));
    expect(await figures.nth(1).locator('.el-statistic__content').innerText()).toBe(after.mean.toFixed(2));
    // …while the figures as they stood before the approval still count it (R14: what was published stays reproducible).
    expect(await staffScore(beforeApproval)).toMatchObject({ count: before.count, mean: before.mean });
    await approver.context.close();

    const verification = (await itemsOf(rated.ratingId)).find((i) => i.workflow === 'verification')!;
    expect(verification.state).toBe('revoked');
  });

  it('the dashboard counts the loop as the summary does; the incidents log opens for supervisors', async () => {
    const sup = await signedIn('sup-xingning', '/');
    const block = sup.page.locator('.supervision-table');
    await block.waitFor();
    const summary = await api<{ workflows: Record<string, { open: number; overdue: number; closed: number }>; rectificationRate: { rate: number | null } }>(
      'GET',
      '/api/v1/supervision/summary',
      { as: 'sup-xingning' },
    );
    const rows = await block
      .locator('.el-table__body tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim())));
    expect(rows).toEqual(
      [
        ['审核', 'review'],
        ['核实', 'verification'],
        ['撤销审批', 'revocation'],
        ['整改', 'rectification'],
        ['申诉', 'appeal'],
      ].map(([name, w]) => [name!, String(summary.workflows[w!]!.open), String(summary.workflows[w!]!.overdue), String(summary.workflows[w!]!.closed)]),
    );
    expect(summary.workflows.rectification!.closed).toBeGreaterThan(0);
    expect(await seriousViolations(sup.page)).toEqual([]);
    await screenshot(sup.page, 'supervision-dashboard');

    // A count opens the queue it counts: the whole scope (queue=all, not the supervisor's own department), with its status.
    const links = await block
      .locator('.el-table__body tr')
      .nth(3)
      .locator('a')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(links).toEqual([
      '/supervision/rectification?status=open&queue=all',
      '/supervision/rectification?status=open&queue=all',
      '/supervision/rectification?status=overdue&queue=all',
      '/supervision/rectification?status=closed&queue=all',
    ]);
    await block.locator('.el-table__body tr').nth(3).locator('td').nth(3).locator('a').click();
    await sup.page.waitForURL(`${demo.url}/supervision/rectification?status=closed&queue=all`);
    await expect.poll(() => sup.page.locator('.queue-table .el-table__body tr').count()).toBeGreaterThan(0);
    await sup.page.goto(`${demo.url}/`);

    await sup.page.getByRole('menuitem', { name: '督办' }).click();
    await sup.page.getByRole('tab', { name: '系统故障' }).click();
    await sup.page.waitForURL(`${demo.url}/supervision/incidents`);
    await sup.page.locator('.incidents-table').waitFor();
    expect(await sup.page.getByRole('button', { name: '登记故障' }).count()).toBe(1);
    expect(await seriousViolations(sup.page)).toEqual([]);
    // The times entered are Beijing time, whatever the browser's zone: the form says so.
    await sup.page.getByRole('button', { name: '登记故障' }).click();
    await expect.poll(() => sup.page.getByRole('dialog', { name: '登记故障' }).innerText()).toContain('北京时间');
    await sup.context.close();
  });

  it('an outage is entered and shown in Beijing time, whatever the browser’s zone (R11)', async () => {
    // A browser in London (UTC+0 in winter, +1 in summer): the times typed are still Beijing time.
    // (Signed in with the session an earlier test kept, if any: the browser's zone is not part of it.)
    const session = sessions.get('sup-xingning');
    const context = await chromium.browser.newContext({
      locale: 'zh-CN',
      timezoneId: 'Europe/London',
      viewport: { width: 1280, height: 800 },
      ...(session ? { storageState: session } : {}),
    });
    const page = await context.newPage();
    await page.goto(`${demo.url}/supervision/incidents`);
    if (!session) {
      await page.fill('#username', 'sup-xingning');
      await page.fill('#password', demo.passwords['sup-xingning']!);
      await page.click('button[type=submit]');
    }
    await page.waitForURL((u) => u.pathname === '/supervision/incidents');
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() - 2 * 86_400_000));

    await page.getByRole('button', { name: '登记故障' }).click();
    const dialog = page.getByRole('dialog', { name: '登记故障' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('北京时间');
    await dialog.locator('.el-form-item', { hasText: '业务系统' }).locator('.el-select__wrapper').click();
    await page.getByRole('option', { name: '演示一体化政务服务平台' }).click();
    const ends = dialog.locator('.el-range-input');
    await ends.nth(0).fill(`${day} 10:00:00`);
    await ends.nth(0).press('Enter');
    await ends.nth(1).fill(`${day} 11:30:00`);
    await ends.nth(1).press('Enter');
    await dialog.locator('#incident-cause').click();
    await dialog.locator('#incident-cause').fill('一体化平台接口故障，无法调取证照。');
    await dialog.getByRole('button', { name: '提交' }).click();
    await page.waitForURL(/\/supervision\/incidents\/\d+$/);
    const id = Number(new URL(page.url()).pathname.split('/').pop());

    // Stored as the instant of 10:00 Beijing time, and shown as 10:00 again in the London browser.
    const stored = await api<{ startedAt: string; endedAt: string }>('GET', `/api/v1/incidents/${id}`, { as: 'sup-xingning' });
    expect(stored.startedAt).toBe(new Date(`${day}T10:00:00+08:00`).toISOString());
    expect(stored.endedAt).toBe(new Date(`${day}T11:30:00+08:00`).toISOString());
    const [y, m, d] = day.split('-').map(Number);
    await expect.poll(() => page.locator('.el-descriptions').innerText()).toContain(`${y}年${m}月${d}日 10:00 – ${y}年${m}月${d}日 11:30`);
    await context.close();
  });
});
