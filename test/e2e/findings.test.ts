// 发现与核查 (issue 14) as its people meet it, in real headless Chromium:
// `serve --demo` on a fresh embedded database, whose seed injects faked good
// ratings at a 兴宁区 window and runs the detection job (src/app/demoFraud.ts),
// so that the district's supervisor has investigations to open. The
// supervisor opens one from the dashboard, reads its signals, timeline and
// peer comparison, and confirms it (R10): the flagged ratings stop counting
// and the violation shows on the agency's score page and in the rankings.
// The agency manager never sees investigations. And the policy page shows
// the detection thresholds, which an admin changes in a new version.
// Screenshots go to test-artifacts/findings-*.png; axe checks each screen.
import AxeBuilder from '@axe-core/playwright';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDemo, type Demo } from '../support/demo.ts';
import { launchChromium, screenshot, type TestBrowser } from '../support/browser.ts';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 240_000 });

const CHINA_YEAR = Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()));

let demo: Demo;
let chromium: TestBrowser;
/** username → a session token, for the API calls the test makes beside the browser. */
const tokens: Record<string, string> = {};

beforeAll(async () => {
  demo = await startDemo('hcp-e2e-findings-');
  for (const username of ['admin', 'sup-xingning', 'agency-manager'])
    tokens[username] = (await api<{ token: string }>('POST', '/api/v1/sessions', { body: { username, password: demo.passwords[username] } })).token;
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await demo?.stop();
});

async function call(method: string, url: string, options: { body?: unknown; as?: string } = {}) {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.as) headers.authorization = `Bearer ${tokens[options.as]}`;
  return fetch(`${demo.url}${url}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
}
async function api<T>(method: string, url: string, options: { body?: unknown; as?: string } = {}): Promise<T> {
  const response = await call(method, url, options);
  const body = (await response.json()) as T;
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

interface Finding {
  id: number;
  state: string;
  subject: { type: string; name: string };
  agencyCode: string | null;
  score: number | null;
  names: { agency: string | null };
}
interface FindingDetail extends Finding {
  details: { decision?: { kind: string; voided: number } };
  investigation: {
    signals: { kind: string; kindName: string }[];
    ratings: { id: number; caseNumber: string | null; counts: boolean }[];
    peers: { share: number | null; peerShare: number | null }[];
  };
}
interface Marks {
  violations: number;
  keyTargets: number[];
  replacements: number[];
}

async function freshPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1280, height: 800 } });
  return { context, page: await context.newPage() };
}

/** Opens `url` of the console, signing in as `username` on the way. */
async function signedIn(username: string, url: string) {
  const opened = await freshPage();
  await opened.page.goto(`${demo.url}${url}`);
  await opened.page.fill('#username', username);
  await opened.page.fill('#password', demo.passwords[username]!);
  await opened.page.click('button[type=submit]');
  await opened.page.waitForURL((u) => u.pathname === url.split('?')[0]);
  return opened;
}

/** Serious and critical accessibility violations of the page as it is now. */
async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The rows of an Element table as the texts of their cells. */
const tableRows = (page: Page, selector: string) =>
  page.locator(`${selector} .el-table__body tr`).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim())));

/** The finding page's state, as its heading's tag shows it. */
const shownState = (page: Page) => page.locator('h1 .el-tag').first().innerText();

describe('发现与核查 in the console (issue 14)', () => {
  it('a suspicion is investigated and confirmed in the console, and the violation shows on the agency’s score page', async () => {
    // The demo's seed found faked ratings in 兴宁区: the district supervisor's own queue holds them (src/app/demoFraud.ts).
    const open = await api<{ items: Finding[]; total: number }>('GET', '/api/v1/findings?workflow=investigation&status=open&queue=own&page=1&pageSize=50', {
      as: 'sup-xingning',
    });
    expect(open.total, 'serve --demo opens investigations in 兴宁区 at seed (src/app/demoFraud.ts)').toBeGreaterThan(0);
    // A window's investigation, where there is one: it has a peer comparison to draw.
    const chosen = open.items.find((f) => f.subject.type === 'window') ?? open.items[0]!;
    const detail = await api<FindingDetail>('GET', `/api/v1/findings/${chosen.id}`, { as: 'sup-xingning' });
    expect(detail.investigation.signals.length).toBeGreaterThan(0);
    const agencyCode = detail.agencyCode!;
    const scoreOf = () => api<{ marks: Marks }>('GET', `/api/v1/scores/agencies/${agencyCode}?period=${CHINA_YEAR}`, { as: 'sup-xingning' });
    const before = (await scoreOf()).marks.violations;

    // The dashboard counts the open investigations as the summary does; a count opens the queue it counts.
    const summary = await api<{ investigation: { open: number; overdue: number; closed: number } }>('GET', '/api/v1/findings/summary', { as: 'sup-xingning' });
    const sup = await signedIn('sup-xingning', '/');
    await sup.page.locator('.findings-table').waitFor();
    const counts = await tableRows(sup.page, '.findings-table');
    expect(counts[0]).toEqual(['可疑刷好评调查', ...['open', 'overdue', 'closed'].map((s) => String(summary.investigation[s as 'open']))]);
    await sup.page.getByRole('menuitem', { name: '发现与核查' }).click();
    await sup.page.waitForURL(`${demo.url}/findings`);

    // The investigations queue (the first tab for a supervisor): the suspicion as a percentage, what was found.
    expect(await sup.page.getByRole('tab').allInnerTexts()).toEqual(['可疑刷好评调查', '重点测评对象', '末位调整']);
    const row = sup.page.locator('.queue-table .el-table__body tr', { hasText: chosen.subject.name });
    await row.waitFor();
    expect(await row.innerText()).toContain(`${Math.round(chosen.score! * 100)}%`);
    expect(await row.innerText()).toContain('待核查');
    expect(await seriousViolations(sup.page)).toEqual([]);
    await screenshot(sup.page, 'findings-queue');

    // The investigation: each signal with its evidence, the flagged ratings on a timeline, the window beside its peers.
    await row.getByRole('link', { name: '办理' }).click();
    await sup.page.waitForURL(new RegExp(`/findings/${chosen.id}\\?`));
    await sup.page.locator('.signal').first().waitFor();
    expect(await sup.page.locator('.signal h3').allInnerTexts()).toEqual(detail.investigation.signals.map((s) => s.kindName));
    expect(await sup.page.locator('.signal table.evidence').count()).toBe(detail.investigation.signals.length);
    await sup.page.locator('.timeline-chart canvas').waitFor();
    if (detail.investigation.peers.some((p) => p.share !== null)) await sup.page.locator('.peers-chart canvas').waitFor();
    const ratings = await tableRows(sup.page, '.ratings-table');
    expect(ratings.map((r) => r[0])).toEqual(detail.investigation.ratings.map((r) => r.caseNumber ?? '—'));
    expect(ratings.every((r) => r.at(-1) === '计分中')).toBe(true);
    expect(await sup.page.locator('.steps .buttons > button').allInnerTexts()).toEqual(['确认刷好评', '排除嫌疑']);
    expect(await seriousViolations(sup.page)).toEqual([]);
    await screenshot(sup.page, 'findings-investigation');

    // Confirmed with a reason, every flagged rating chosen (the default): they stop counting, a violation is recorded.
    const reason = '经调阅评价器日志和窗口录像，该窗口工作人员在办结后代替申请人点击“非常满意”，刷好评属实。';
    await sup.page.locator('.steps').getByRole('button', { name: '确认刷好评' }).click();
    const dialog = sup.page.getByRole('dialog', { name: '确认刷好评' });
    await dialog.waitFor();
    const boxes = dialog.locator('.rating-choices .el-checkbox');
    expect(await boxes.count()).toBe(detail.investigation.ratings.length);
    expect(await dialog.locator('.rating-choices .el-checkbox.is-checked').count()).toBe(detail.investigation.ratings.length);
    expect(await seriousViolations(sup.page)).toEqual([]);
    await screenshot(sup.page, 'findings-confirm-form');
    await dialog.locator('#finding-reason').fill(reason);
    await dialog.getByRole('button', { name: '提交' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => shownState(sup.page)).toBe('已确认');
    await expect.poll(async () => (await tableRows(sup.page, '.ratings-table')).every((r) => r.at(-1) === '已不计分')).toBe(true);
    expect(await sup.page.locator('.decision').innerText()).toContain(`作废 ${detail.investigation.ratings.length} 条评价`);
    expect(await sup.page.locator('.decision').innerText()).toContain(reason);
    expect(await sup.page.locator('.history').innerText()).toMatch(/发现疑似刷好评[\s\S]*确认刷好评/);
    expect(await sup.page.locator('.steps').innerText()).toContain('此事项当前无需您办理');
    await screenshot(sup.page, 'findings-confirmed');
    const confirmed = await api<FindingDetail>('GET', `/api/v1/findings/${chosen.id}`, { as: 'sup-xingning' });
    expect(confirmed.state).toBe('confirmed');
    expect(confirmed.details.decision).toMatchObject({ kind: 'confirmed', voided: detail.investigation.ratings.length });

    // The agency's score page shows the violation, in red; so does its row in the rankings.
    expect((await scoreOf()).marks.violations).toBe(before + 1);
    await sup.page.goto(`${demo.url}/scores/agencies/${agencyCode}?period=${CHINA_YEAR}`);
    const mark = sup.page.locator('.violation-mark');
    await mark.waitFor();
    expect(await mark.innerText()).toBe(`刷好评违规 ${before + 1}`);
    expect(await seriousViolations(sup.page)).toEqual([]);
    await screenshot(sup.page, 'findings-score');
    await sup.page.goto(`${demo.url}/rankings/agencies?period=${CHINA_YEAR}&within=450102000000&minCount=0`);
    const ranked = sup.page.locator('.ranking-table .el-table__body tr', { hasText: detail.names.agency! });
    await ranked.waitFor();
    expect(await ranked.locator('.violation-mark').innerText()).toBe(`刷好评违规 ${before + 1}`);
    await sup.context.close();
  });

  it('the agency manager sees key targets and replacements, never investigations (R10)', async () => {
    const investigations = await call('GET', '/api/v1/findings?workflow=investigation&page=1&pageSize=1', { as: 'agency-manager' });
    expect(investigations.status).toBe(403);
    const anyInvestigation = (
      await api<{ items: Finding[] }>('GET', '/api/v1/findings?workflow=investigation&status=all&queue=all&page=1&pageSize=1', { as: 'sup-xingning' })
    ).items[0]!;

    const agency = await signedIn('agency-manager', '/findings');
    await agency.page.locator('.queue-table').waitFor();
    expect(await agency.page.getByRole('tab').allInnerTexts()).toEqual(['重点测评对象', '末位调整']);
    expect(agency.page.url()).toBe(`${demo.url}/findings`);
    expect(await seriousViolations(agency.page)).toEqual([]);
    await screenshot(agency.page, 'findings-agency');

    // An investigation's address: the queue falls back to key targets; the finding is not found in the scope.
    await agency.page.goto(`${demo.url}/findings/investigation`);
    await agency.page.waitForURL(`${demo.url}/findings/key_target`);
    await agency.page.goto(`${demo.url}/findings/${anyInvestigation.id}`);
    await expect.poll(() => agency.page.getByRole('alert').innerText()).toContain('在您的数据范围内没有找到该事项');
    expect(await agency.page.locator('.signal').count()).toBe(0);

    // The dashboard counts key targets and replacements only.
    await agency.page.goto(`${demo.url}/`);
    await agency.page.locator('.findings-table').waitFor();
    expect((await tableRows(agency.page, '.findings-table')).map((r) => r[0])).toEqual(['重点测评对象', '末位调整']);
    await agency.context.close();
  });

  it('the policy page shows the thresholds of faked ratings; an admin changes one in a new version', async () => {
    const admin = await signedIn('admin', '/policy');
    const thresholds = admin.page.locator('.detection-in-force');
    await thresholds.waitFor();
    expect(await admin.page.getByRole('heading', { name: '刷好评识别阈值' }).count()).toBe(1);
    expect(await thresholds.locator('tr', { hasText: '秒办秒评' }).innerText()).toContain('一天内不少于 5 件受理到办结不超过 60 秒');
    expect(await admin.page.locator('.numbers-in-force').innerText()).toContain('30 个自然日');

    await admin.page.getByRole('button', { name: '新增版本' }).click();
    const dialog = admin.page.getByRole('dialog', { name: '新增政策版本' });
    await dialog.waitFor();
    await dialog.locator('#policy-quickCases-count').fill('6');
    await dialog.locator('#policy-quickCases-count').press('Tab');
    await dialog.locator('#policy-peerShare-alpha').fill('1e-7');
    await dialog.locator('#policy-note').fill('秒办秒评阈值调整为 6 件');
    expect(await seriousViolations(admin.page)).toEqual([]);
    await screenshot(admin.page, 'findings-policy-form');
    await dialog.getByRole('button', { name: '保存' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => thresholds.locator('tr', { hasText: '秒办秒评' }).innerText()).toContain('一天内不少于 6 件');
    expect(await thresholds.locator('tr', { hasText: '“非常满意”占比远高于同类' }).innerText()).toContain('p < 0.0000001');
    const policy = await api<{ inForce: { numbers: { detection: { quickCases: { count: number }; peerShare: { alpha: number } } } } }>(
      'GET',
      '/api/v1/policy',
      {
        as: 'admin',
      },
    );
    expect(policy.inForce.numbers.detection.quickCases.count).toBe(6);
    expect(policy.inForce.numbers.detection.peerShare.alpha).toBe(1e-7);
    await admin.context.close();
  });
});
