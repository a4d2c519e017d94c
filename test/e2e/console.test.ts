// The web app as its users meet it, in real headless Chromium (issue 11):
// `serve --demo` on a fresh embedded database, as `npm start` runs it, with
// the built bundle. Sign-in and its return path, a session that ends, the
// public results page without signing in (R13), accessibility (axe).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Served } from '../support/process.ts';
import { startDemo, type Demo } from '../support/demo.ts';
import { launchChromium, screenshot, type TestBrowser } from '../support/browser.ts';
import { creditCode } from '../support/factories.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 240_000 });

let served: Served;
let chromium: TestBrowser;
let passwords: Record<string, string> = {};

let demo: Demo;

beforeAll(async () => {
  demo = await startDemo('hcp-e2e-');
  ({ served, passwords } = demo);
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await demo?.stop();
});

type Session = Awaited<ReturnType<BrowserContext['storageState']>>;
/**
 * username → the session (cookie) of its first sign-in through the sign-in page here. Tests that are not about signing
 * in open their pages with it, in a browser context of their own, rather than signing in again.
 */
const sessions = new Map<string, Session>();

async function freshPage(session?: Session): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.browser.newContext({
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1280, height: 800 },
    ...(session ? { storageState: session } : {}),
  });
  return { context, page: await context.newPage() };
}

async function signIn(page: Page, username: string) {
  await page.fill('#username', username);
  await page.fill('#password', passwords[username]!);
  await page.click('button[type=submit]');
}

/** Signs in on the sign-in page the page was sent to; once it has left it, keeps the session for later tests. */
async function signInAndKeep(page: Page, username: string) {
  await signIn(page, username);
  await page.waitForURL((u) => u.pathname !== '/signin');
  sessions.set(username, await page.context().storageState());
}

/** Opens `path` as `username`: with the session kept from an earlier sign-in, or else signing in on the way. */
async function openAs(username: string, path: string): Promise<{ context: BrowserContext; page: Page }> {
  const session = sessions.get(username);
  const opened = await freshPage(session);
  await opened.page.goto(`${served.url}${path}`);
  if (!session) await signInAndKeep(opened.page, username);
  return opened;
}

/** Serious and critical accessibility violations of the page as it is now. */
async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('the console in Chromium', () => {
  it('a page that needs a session sends the user to sign in, and back to it afterwards', async () => {
    const { context, page } = await freshPage();
    await page.goto(`${served.url}/account`);
    await page.waitForURL(/\/signin\?redirect=%2Faccount|\/signin\?redirect=\/account/);
    expect(await page.textContent('h2')).toBe('登录');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'signin');

    await page.fill('#username', 'sup-nanning');
    await page.fill('#password', 'wrong-password-1');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('[role=alert]')).toContain('用户名或密码不正确');

    await signIn(page, 'sup-nanning');
    await page.waitForURL(`${served.url}/account`);
    await expect.poll(() => page.textContent('main')).toContain('南宁市政务服务监督管理办公室');
    expect(await page.textContent('main')).toContain('监督部门');
    await screenshot(page, 'account');
    await context.close();
  });

  it('a session that ends sends the user to sign in, then back to where they were', async () => {
    const { context, page } = await freshPage();
    await page.goto(`${served.url}/signin?redirect=/account`);
    await signIn(page, 'admin');
    await page.waitForURL(`${served.url}/account`);
    // The session ends elsewhere (here: its cookie is dropped), and the next request finds out.
    await context.clearCookies();
    await page.fill('#current-password', passwords.admin!);
    await page.fill('#new-password', 'Another-Horse-77');
    await page.fill('#confirm-password', 'Another-Horse-77');
    await page.click('form.account-form button[type=submit]');
    await page.waitForURL(/\/signin\?redirect=.*account.*expired=1/);
    expect(await page.textContent('[role=alert]')).toContain('登录已过期');
    await signIn(page, 'admin');
    await page.waitForURL(`${served.url}/account`);
    await context.close();
  });

  it('switches to English and back', async () => {
    const { context, page } = await freshPage();
    await page.goto(`${served.url}/signin`);
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.textContent('h2')).toBe('Sign in');
    await page.reload();
    expect(await page.textContent('h2')).toBe('Sign in');
    await page.getByRole('button', { name: '中文' }).click();
    expect(await page.textContent('h2')).toBe('登录');
    await context.close();
  });
});

describe('every demo role signs in to its own menu and scope (R2)', () => {
  const MENUS: Record<string, string[]> = {
    admin: ['总览', '排名', '案件查询', '组织机构', '督办', '发现与核查', '审计日志', '评价器', '系统管理', '政策参数', '我的账户'],
    'sup-gx': ['总览', '排名', '案件查询', '组织机构', '督办', '发现与核查', '评价器', '政策参数', '我的账户'],
    'sup-nanning': ['总览', '排名', '案件查询', '组织机构', '督办', '发现与核查', '评价器', '政策参数', '我的账户'],
    'sup-xingning': ['总览', '排名', '案件查询', '组织机构', '督办', '发现与核查', '评价器', '政策参数', '我的账户'],
    'line-manager': ['总览', '排名', '案件查询', '组织机构', '督办', '发现与核查', '政策参数', '我的账户'],
    'agency-manager': ['总览', '排名', '案件查询', '组织机构', '督办', '发现与核查', '政策参数', '我的账户'],
    'staff-demo': ['总览', '政策参数', '我的账户'],
    auditor: ['总览', '排名', '案件查询', '组织机构', '督办', '发现与核查', '审计日志', '政策参数', '我的账户'],
  };
  for (const [username, menu] of Object.entries(MENUS)) {
    it(`${username}: the menu of the role, and a dashboard of its own scope`, async () => {
      const { context, page } = await freshPage();
      await page.goto(`${served.url}/`);
      await signInAndKeep(page, username);
      await page.waitForURL(`${served.url}/`);
      await page.waitForSelector('.cards');
      expect(await page.getByRole('menuitem').allTextContents()).toEqual(menu);
      // The dashboard is of the user's own place: the score the API gives this session for it.
      const me = (await (await page.request.get(`${served.url}/api/v1/me`)).json()) as {
        role: string;
        scope: { regionCode: string | null; lineCode: string | null; agencyCode: string | null; staffNumber: string | null };
      };
      const subject = me.scope.lineCode
        ? `business-lines/${me.scope.lineCode}`
        : me.scope.agencyCode
          ? `agencies/${me.scope.agencyCode}`
          : me.scope.staffNumber
            ? `staff/${me.scope.staffNumber}`
            : `regions/${me.scope.regionCode ?? '450000000000'}`;
      const score = (await (await page.request.get(`${served.url}/api/v1/scores/${subject}?period=${new Date().getFullYear()}`)).json()) as {
        name: string;
        count: number;
      };
      expect(await page.textContent('h1')).toContain(score.name);
      expect((await page.$$eval('.card .card-value', (els) => els.map((e) => e.textContent!.trim())))[0]).toBe(score.count.toLocaleString('zh-CN'));
      await context.close();
    });
  }
});

describe('the dashboard (总览)', () => {
  it("shows the scope's figures as the API does, the 14 cities on a map for Guangxi, and the negative tags", async () => {
    const { context, page } = await openAs('admin', '/');
    await page.waitForURL(`${served.url}/`);
    await page.waitForSelector('.cards');
    const year = new Date().getFullYear();
    const api = (await (await page.request.get(`${served.url}/api/v1/scores/regions/450000?period=${year}`)).json()) as { count: number; mean: number };
    const cards = await page.$$eval('.card .card-value', (els) => els.map((e) => e.textContent!.trim()));
    expect(cards[0]).toBe(api.count.toLocaleString('zh-CN'));
    expect(cards[1]).toBe(api.mean.toFixed(2));
    // The cities compared: on a map (a canvas) and in the table beside it, all 14.
    await page.waitForSelector('.children-table .el-table__body tr');
    expect(await page.$$eval('.children-table .el-table__body tr', (trs) => trs.length)).toBe(14);
    expect(await page.locator('.wide canvas').count()).toBeGreaterThan(0);
    const tags = (await (await page.request.get(`${served.url}/api/v1/scores/regions/450000/negative-tags?period=${year}`)).json()) as {
      tags: { count: number }[];
    };
    const shown = await page.$$eval('.tags-table .el-table__body tr td:nth-child(2)', (tds) => tds.map((td) => Number(td.textContent)));
    expect(shown).toEqual(tags.tags.map((t) => t.count));
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dashboard');

    // A city opens its own dashboard (in the URL): its districts compared as bars.
    await page.locator('.children-table a', { hasText: '南宁市' }).click();
    await page.waitForURL(/region=450100000000/);
    await expect.poll(() => page.textContent('h1')).toContain('南宁市');
    await context.close();
  });
});

describe('rankings and score pages, each within the scope (R2, R3, R9, R13)', () => {
  it("a Nanning supervisor's agency ranking lists only Nanning agencies, with the API's figures", async () => {
    const { context, page } = await openAs('sup-nanning', '/rankings/agencies');
    await page.waitForURL(/\/rankings\/agencies/);
    await page.waitForSelector('.ranking-table .el-table__body tr');
    const year = new Date().getFullYear();
    // The same query through the API, with the same session.
    const api = (await (await page.request.get(`${served.url}/api/v1/rankings/agencies?period=${year}&page=1&pageSize=50`)).json()) as {
      total: number;
      items: { name: string; mean: number | null; count: number; rank: number | null; region: { code: string } | null }[];
    };
    expect(api.total).toBeGreaterThan(50);
    expect(api.items.every((i) => i.region?.code.startsWith('4501'))).toBe(true);
    const rows = await page.$$eval('.ranking-table .el-table__body tr', (trs) =>
      trs.map((tr) => ({ cells: [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim()), unranked: tr.classList.contains('unranked') })),
    );
    expect(rows.map((r) => r.cells[1])).toEqual(api.items.map((i) => i.name));
    expect(rows.map((r) => r.cells[4])).toEqual(api.items.map((i) => (i.mean === null ? '—' : i.mean.toFixed(2))));
    expect(rows.map((r) => r.cells[3])).toEqual(api.items.map((i) => i.count.toLocaleString('zh-CN')));
    expect(rows.map((r) => r.unranked)).toEqual(api.items.map((i) => i.rank === null));
    expect(await page.textContent('main')).toContain(`共 ${api.total.toLocaleString('zh-CN')} 项`);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'rankings');

    // Filters live in the URL: order by negative share, then Back.
    await page.getByRole('tab', { name: '地区' }).click();
    await page.waitForURL(/\/rankings\/regions/);
    await page.waitForSelector('.ranking-table .el-table__body tr');
    const regions = await page.$$eval('.ranking-table .el-table__body tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent!.trim()));
    expect(regions).toContain('兴宁区');
    expect(regions).not.toContain('柳州市');
    await page.goBack();
    await page.waitForURL(/\/rankings\/agencies/);

    // The region picker: searched by name, it offers regions of the scope only; chosen, it narrows the ranking.
    const picker = page.getByRole('combobox', { name: '地区范围' });
    await picker.click({ force: true });
    await picker.fill('兴宁');
    await page.getByRole('treeitem').getByText('兴宁区', { exact: true }).click();
    await page.waitForURL(/within=450102000000/);
    await page.waitForSelector('.ranking-table .el-table__body tr');
    expect(await page.textContent('main')).toContain('兴宁区');
    const narrowed = (await (
      await page.request.get(`${served.url}/api/v1/rankings/agencies?period=${year}&within=450102000000&page=1&pageSize=50`)
    ).json()) as {
      items: { name: string }[];
    };
    expect(await page.$$eval('.ranking-table .el-table__body tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent!.trim()))).toEqual(
      narrowed.items.map((i) => i.name),
    );
    await picker.click({ force: true });
    await picker.fill('柳州');
    await page.waitForTimeout(500);
    expect(await page.getByRole('treeitem').filter({ hasText: '柳州' }).count()).toBe(0);
    expect(await page.getByRole('treeitem').filter({ hasText: '兴宁' }).count()).toBe(0);
    await context.close();
  });

  it('from a ranking to the ratings behind a score; a reveal asks a reason and is found in the audit log', async () => {
    const { context, page } = await openAs('sup-nanning', '/rankings/agencies');
    await page.waitForSelector('.ranking-table .el-table__body tr');
    const name = (await page.textContent('.ranking-table .el-table__body tr:first-child td:nth-child(2)'))!.trim();
    await page.click('.ranking-table .el-table__body tr:first-child a');
    await page.waitForURL(/\/scores\/agencies\//);
    await expect.poll(() => page.textContent('h1')).toBe(name);
    await page.waitForSelector('.behind .el-table__body tr');
    // Raters are masked (R9): a surname and stars, or nothing for a default rating.
    const raters = await page.$$eval('.behind .el-table__body tr td:nth-child(3)', (tds) => tds.map((td) => td.textContent!.trim()));
    expect(raters.every((r) => r === '—' || /^\p{Script=Han}\*+$/u.test(r))).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'score');

    await page.getByRole('button', { name: '查看身份' }).first().click();
    await page.fill('.el-message-box input', '核实');
    await page.getByRole('button', { name: '查看', exact: true }).click();
    expect(await page.textContent('.el-message-box')).toContain('原因不少于 5 个字');
    await page.fill('.el-message-box input', '核实差评整改情况');
    await page.getByRole('button', { name: '查看', exact: true }).click();
    const dialog = page.locator('.el-dialog');
    await expect.poll(() => dialog.textContent()).toContain('已记入审计日志');
    expect(await dialog.textContent()).toMatch(/\d{17}[\dX]/);
    await screenshot(page, 'reveal');
    await context.close();

    // The auditor finds the reveal in the audit log, with its reason.
    const auditor = await openAs('auditor', '/audit?action=rating.reveal_identity');
    await auditor.page.waitForURL(/\/audit\?action=rating.reveal_identity/);
    await auditor.page.waitForSelector('.audit-table .el-table__body tr');
    const events = await auditor.page.$$eval('.audit-table .el-table__body tr', (trs) => trs.map((tr) => tr.textContent!));
    expect(events.some((e) => e.includes('sup-nanning') && e.includes('rating.reveal_identity') && e.includes('核实差评整改情况'))).toBe(true);
    expect(await seriousViolations(auditor.page)).toEqual([]);
    await screenshot(auditor.page, 'audit');
    // A supervisor has no audit log in the menu, and its address leads home.
    expect(await auditor.page.getByRole('menuitem', { name: '审计日志' }).count()).toBe(1);
    await auditor.context.close();
  });

  it('an agency manager sees their own staff and no reveal action', async () => {
    const { context, page } = await openAs('agency-manager', '/rankings/staff');
    await page.waitForSelector('.ranking-table .el-table__body tr');
    await page.click('.ranking-table .el-table__body tr:first-child a');
    await page.waitForURL(/\/scores\/staff\//);
    await page.waitForSelector('.behind');
    expect(await page.getByRole('button', { name: '查看身份' }).count()).toBe(0);
    expect(await page.getByRole('menuitem', { name: '审计日志' }).count()).toBe(0);
    await page.goto(`${served.url}/audit`);
    await page.waitForURL(`${served.url}/`);
    await context.close();
  });
});

describe('finding a case (案件)', () => {
  it('a supervisor finds a case of their region by number and sees whether its rating arrived', async () => {
    const { context, page } = await openAs('sup-nanning', '/cases');
    await page.waitForURL(`${served.url}/cases`);
    const year = new Date().getFullYear();
    const recent = (await (await page.request.get(`${served.url}/api/v1/case-search?from=${year}-01-01&to=${year}-12-31&page=1&pageSize=1`)).json()) as {
      total: number;
      items: { caseNumber: string; agencyCode: string; occasions: { status: string }[] }[];
    };
    expect(recent.total).toBeGreaterThan(0);
    const wanted = recent.items[0]!;
    await page.fill('#case-number', wanted.caseNumber);
    await page.getByRole('button', { name: '查询', exact: true }).click();
    await page.waitForURL(new RegExp(`caseNumber=${wanted.caseNumber}`));
    await page.waitForSelector('.case');
    expect(await page.textContent('.case')).toContain(wanted.caseNumber);
    const statuses = await page.$$eval('.occasions .el-table__body tr .el-tag', (tags) => tags.map((t) => t.textContent!.trim()));
    const names: Record<string, string> = { open: '待评价', rated: '已评价', defaulted: '默认好评', cancelled: '已取消', expired: '已过期' };
    expect(statuses).toEqual(wanted.occasions.map((o) => names[o.status]));
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'cases');
    await context.close();
  });
});

describe('the organisation pages and the import wizard', () => {
  it('a business line is created, edited, retired and reinstated in the forms; a staff member is transferred (R3)', async () => {
    const { context, page } = await openAs('admin', '/org/business-lines');
    await page.waitForSelector('.org-table .el-table__body tr');
    await page.getByRole('button', { name: '新增', exact: true }).click();
    await page.fill('#field-code', 'e2e-line');
    await page.fill('#field-name', '测试条线');
    await page.fill('#field-department', '自治区测试厅');
    await page.getByRole('dialog').getByRole('button', { name: '保存' }).click();
    const line = async () => (await (await page.request.get(`${served.url}/api/v1/business-lines/E2E-LINE`)).json()) as { name: string; status: string };
    await expect.poll(async () => (await line()).name).toBe('测试条线');
    // A problem is shown by field, in the form.
    await page.getByRole('button', { name: '新增', exact: true }).click();
    await page.fill('#field-code', 'E2E-LINE');
    await page.fill('#field-name', '重复的条线');
    await page.fill('#field-department', '自治区测试厅');
    await page.getByRole('dialog').getByRole('button', { name: '保存' }).click();
    await expect.poll(() => page.getByRole('dialog').textContent()).toContain('已存在');
    await page.keyboard.press('Escape');

    await page.fill('#org-q', 'E2E-LINE');
    await page.getByRole('button', { name: '查询' }).click();
    const row = page.locator('.org-table .el-table__body tr', { hasText: 'E2E-LINE' });
    await row.getByRole('button', { name: '修改' }).click();
    await page.fill('#field-name', '测试条线（改）');
    await page.getByRole('dialog').getByRole('button', { name: '保存' }).click();
    await expect.poll(async () => (await line()).name).toBe('测试条线（改）');
    await row.getByRole('button', { name: '停用' }).click();
    await page
      .getByRole('button', { name: 'OK' })
      .or(page.getByRole('button', { name: '确定' }))
      .click();
    await expect.poll(async () => (await line()).status).toBe('retired');
    await page.goto(`${served.url}/org/business-lines?q=E2E-LINE&status=all`);
    await page.locator('.org-table .el-table__body tr', { hasText: 'E2E-LINE' }).getByRole('button', { name: '恢复' }).click();
    await expect.poll(async () => (await line()).status).toBe('active');

    // A staff member's posts, and a transfer to another agency.
    const staff = (await (await page.request.get(`${served.url}/api/v1/staff?regionCode=450102&page=1&pageSize=1`)).json()) as {
      items: { staffNumber: string; agencyCode: string }[];
    };
    const other = (await (await page.request.get(`${served.url}/api/v1/agencies?regionCode=450102&page=1&pageSize=5`)).json()) as { items: { code: string }[] };
    const target = other.items.find((a) => a.code !== staff.items[0]!.agencyCode)!.code;
    await page.goto(`${served.url}/org/staff?q=${staff.items[0]!.staffNumber}`);
    await page.locator('.org-table .el-table__body tr').first().getByRole('button', { name: '任职记录' }).click();
    await page.waitForSelector('.history-table .el-table__body tr');
    const before = await page.locator('.history-table .el-table__body tr').count();
    await page.fill('#transfer-agency', target);
    await page.fill('#transfer-center', '');
    await page.fill('#transfer-window', '');
    await page.getByRole('dialog').getByRole('button', { name: '调岗' }).click();
    await expect.poll(() => page.locator('.history-table .el-table__body tr').count()).toBe(before + 1);
    expect(await page.locator('.history-table .el-table__body tr').last().textContent()).toContain('至今');
    await screenshot(page, 'staff-history');
    await context.close();
  });

  it('a dry run shows a bad row by row and column and changes nothing; the corrected file is committed', async () => {
    const { context, page } = await openAs('admin', '/org/agencies?region=450102000000');
    await page.waitForSelector('.org-table .el-table__body tr');
    const line = (await (await page.request.get(`${served.url}/api/v1/business-lines?page=1&pageSize=1`)).json()) as { items: { code: string }[] };
    const code = (n: number) => creditCode(900_000 + n, '450102');
    const header = 'code,name,regionCode,businessLineCode';
    const good = [`${code(1)},兴宁区测试导入一局,450102,${line.items[0]!.code}`, `${code(2)},兴宁区测试导入二局,450102,${line.items[0]!.code}`];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-e2e-import-'));
    const bad = path.join(dir, 'agencies-bad.csv');
    fs.writeFileSync(bad, [header, good[0], `${code(3)},兴宁区测试导入三局,460100,${line.items[0]!.code}`].join('\n'));
    const fixed = path.join(dir, 'agencies.csv');
    fs.writeFileSync(fixed, [header, ...good].join('\n'));

    await page.getByRole('button', { name: '批量导入' }).click();
    await page.setInputFiles('.el-dialog input[type=file]', bad);
    await page.getByRole('button', { name: '检查文件' }).click();
    await page.waitForSelector('.import-errors .el-table__body tr');
    const problems = await page.$$eval('.import-errors .el-table__body tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim())),
    );
    expect(problems).toEqual([['3', 'regionCode', '没有代码为 460100000000 的地区']]);
    expect(await page.textContent('.el-dialog')).toContain('发现 1 处问题');
    expect(await page.getByRole('button', { name: '正式导入' }).count()).toBe(0);
    await screenshot(page, 'import-dry-run');
    const none = (await (await page.request.get(`${served.url}/api/v1/agencies?q=${code(1)}&page=1&pageSize=5`)).json()) as { total: number };
    expect(none.total).toBe(0);

    await page.setInputFiles('.el-dialog input[type=file]', fixed);
    await page.getByRole('button', { name: '检查文件' }).click();
    await expect.poll(() => page.textContent('.el-dialog')).toContain('将新增 2 条');
    await page.getByRole('button', { name: '正式导入' }).click();
    await expect.poll(() => page.textContent('.el-dialog')).toContain('已导入 2 行');
    const now = (await (await page.request.get(`${served.url}/api/v1/agencies?q=兴宁区测试导入&page=1&pageSize=5`)).json()) as { total: number };
    expect(now.total).toBe(2);
    fs.rmSync(dir, { recursive: true, force: true });
    await context.close();
  });
});

describe('the system pages (admins)', () => {
  it('an admin creates a user, a business-system key (shown once) and revokes it, and runs a job now', async () => {
    const { context, page } = await openAs('admin', '/system/users');
    await page.waitForSelector('.users-table .el-table__body tr');
    await page.getByRole('button', { name: '新增用户' }).click();
    await page.fill('#user-username', 'auditor-2');
    await page.fill('#user-name', '自治区审计厅');
    await page.getByRole('dialog').getByRole('combobox', { name: '角色' }).click({ force: true });
    await page.getByRole('option', { name: '审计人员' }).click();
    await page.fill('#user-password', 'Qingxiu-Horse-2026');
    await page.getByRole('dialog').getByRole('button', { name: '保存' }).click();
    await expect.poll(() => page.textContent('.users-table')).toContain('auditor-2');

    await page.getByRole('tab', { name: '接入系统和评价器' }).click();
    await page.waitForURL(/\/system\/clients/);
    await page.getByRole('button', { name: '新增接入' }).click();
    await page.fill('#client-name', '青秀区不动产登记系统');
    await page.getByRole('dialog').getByRole('button', { name: '新增接入' }).click();
    const key = (await page.locator('code.key').textContent())!.trim();
    expect(key).toMatch(/^hcp_/);
    // The key works, once shown; revoked, it stops at once.
    // (A case the system never sent: 404 to the system that is recognised, 401 once it is not.)
    const asClient = () => fetch(`${served.url}/api/v1/cases/NO-SUCH-CASE`, { headers: { authorization: `Bearer ${key}` } });
    expect((await asClient()).status).toBe(404);
    await page.keyboard.press('Escape');
    const row = page.locator('.clients-table .el-table__body tr', { hasText: '青秀区不动产登记系统' });
    await row.getByRole('button', { name: '吊销' }).click();
    await page
      .getByRole('button', { name: 'OK' })
      .or(page.getByRole('button', { name: '确定' }))
      .click();
    await expect.poll(async () => (await asClient()).status).toBe(401);
    await screenshot(page, 'system-clients');

    await page.getByRole('tab', { name: '定时任务' }).click();
    await page.waitForSelector('.jobs-table .el-table__body tr');
    await page.getByRole('button', { name: '立即运行' }).first().click();
    await expect.poll(() => page.textContent('main')).toContain('已运行');
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });
});

describe('rating where the citizen is (issue 12): devices and the outbox in the console', () => {
  it('a supervisor creates a device for a window of their region and gets a pairing code that pairs it', async () => {
    const { context, page } = await openAs('sup-xingning', '/devices');
    await page.waitForURL(`${served.url}/devices`);
    const windows = (await (await page.request.get(`${served.url}/api/v1/windows?pageSize=1`)).json()) as { items: { centerCode: string; number: string }[] };
    const window = windows.items[0]!;
    await page.getByRole('button', { name: '新增评价器' }).click();
    await page.fill('#device-name', '兴宁区评价器一号');
    // The window is picked: the center found by its code (once the search has answered), then its window.
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('combobox', { name: '政务服务中心' }).click({ force: true });
    await page.keyboard.type(window.centerCode);
    const centerOption = page.getByRole('option', { name: new RegExp(`（${window.centerCode}）`) });
    await expect.poll(() => page.getByRole('option', { name: /（.+）/ }).count()).toBe(1);
    await centerOption.click();
    await dialog.locator('.el-form-item', { hasText: '窗口' }).locator('.el-select__wrapper').click();
    await page.getByRole('option', { name: new RegExp(`^${window.number}`) }).click();
    await page.getByRole('dialog').getByRole('button', { name: '新增并生成配对码' }).click();
    const code = (await page.locator('p.code').textContent())!.replace(/\s/g, '');
    expect(code).toMatch(/^\d{6}$/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'devices-pairing-code');
    // Typed on the device, the code gives it its key: the device sees its window.
    const paired = (await (
      await fetch(`${served.url}/api/v1/devices/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) })
    ).json()) as {
      key: string;
      device: { window: { centerCode: string; number: string } };
    };
    expect(paired.device.window).toMatchObject({ centerCode: window.centerCode, number: window.number });
    await page.keyboard.press('Escape');
    const row = page.locator('.devices-table .el-table__body tr', { hasText: '兴宁区评价器一号' });
    await expect.poll(async () => (await page.reload(), await row.textContent())).not.toContain('尚未配对');
    await row.getByRole('button', { name: '吊销' }).click();
    await page
      .getByRole('button', { name: 'OK' })
      .or(page.getByRole('button', { name: '确定' }))
      .click();
    await expect.poll(async () => (await fetch(`${served.url}/api/v1/device`, { headers: { authorization: `Bearer ${paired.key}` } })).status).toBe(401);
    await context.close();
  });

  it('an SMS invitation shows in the outbox once sent, the number masked and the link cut short (R9)', async () => {
    const keys = demo.keys;
    const { context, page } = await openAs('admin', '/system/outbox');
    await page.waitForURL(`${served.url}/system/outbox`);
    const staff = (await (await page.request.get(`${served.url}/api/v1/staff?pageSize=1&regionCode=450102`)).json()) as {
      items: { staffNumber: string; agencyCode: string }[];
    };
    const matters = (await (await page.request.get(`${served.url}/api/v1/matters?pageSize=1&kind=immediate`)).json()) as {
      items: { code: string }[];
    };
    const created = await fetch(`${served.url}/api/v1/cases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.business_system}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        caseNumber: 'E2E-SMS-1',
        matterCode: matters.items[0]!.code,
        applicant: { name: '陆一', idType: 'resident_id', idNumber: '11010519491231002X', phone: '13977001122' },
        staffNumber: staff.items[0]!.staffNumber,
        acceptedAt: new Date().toISOString(),
      }),
    });
    expect(created.status).toBe(201);
    // (A write with the session cookie names its origin, as the page's own requests do.)
    expect((await page.request.post(`${served.url}/api/v1/jobs/deliver-outbox/runs`, { headers: { origin: served.url } })).status()).toBe(200);
    await page.reload();
    const row = page.locator('.outbox-table .el-table__body tr', { hasText: '139****1122' });
    await expect.poll(() => row.textContent()).toContain('已发送');
    const text = (await page.textContent('.outbox-table'))!;
    expect(text).not.toContain('13977001122');
    expect(text).toMatch(/\/r\/[A-Za-z0-9_-]{6}…/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'system-outbox');
    await context.close();
  });
});

describe('the public results page (R13), without signing in', () => {
  it('shows the same figures as the public API, filters in the URL, and no identity', async () => {
    const { context, page } = await freshPage();
    await page.goto(`${served.url}/public`);
    await page.waitForSelector('.el-table__body tr');
    const year = new Date().getFullYear();
    const api = (await (await fetch(`${served.url}/api/v1/public/rankings/regions?period=${year}&pageSize=20`)).json()) as {
      items: { name: string; mean: number; count: number }[];
    };
    const rows = await page.$$eval('.el-table__body tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim())));
    expect(rows.map((r) => r[1])).toEqual(api.items.map((i) => i.name));
    expect(rows[0]![3]).toBe(api.items[0]!.mean.toFixed(2));
    expect(rows[0]![2]).toBe(api.items[0]!.count.toLocaleString('zh-CN'));
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'public');

    // A filter lives in the URL: agencies by quarter; Back returns to the regions.
    await page.getByRole('radio', { name: '部门（机构）' }).click({ force: true });
    await page.waitForURL(/dimension=agencies/);
    await page.getByRole('radio', { name: '季度' }).click({ force: true });
    await page.waitForURL(/period=\d{4}-Q[1-4]/);
    await page.waitForSelector('.el-table__body tr');
    const body = await page.textContent('main');
    // No rater is ever named, and no phone or ID number appears.
    expect(body).not.toMatch(/1[3-9]\d{9}|\d{17}[\dX]|\*\*/);
    await page.goBack();
    await page.goBack();
    await page.waitForURL(`${served.url}/public`);
    await context.close();
  });

  it('offers staff only while the administrators publish staff figures (R13)', async () => {
    const staffTab = async () => {
      const { context, page } = await freshPage();
      await page.goto(`${served.url}/public`);
      await page.waitForSelector('.el-table__body tr');
      await page.waitForTimeout(300);
      const count = await page.getByRole('radio', { name: '窗口工作人员' }).count();
      await context.close();
      return count;
    };
    expect(await staffTab()).toBe(0);
    const admin = await openAs('admin', '/');
    await admin.page.waitForURL(`${served.url}/`);
    const publish = (on: boolean) =>
      admin.page.request.patch(`${served.url}/api/v1/settings`, { data: { publishStaffScores: on }, headers: { origin: served.url } });
    expect((await publish(true)).status()).toBe(200);
    try {
      expect(await staffTab()).toBe(1);
    } finally {
      expect((await publish(false)).status()).toBe(200);
      await admin.context.close();
    }
  });
});
