// Issue 13 in real Chromium: 政策参数 as people use it, on `serve --demo`.
// Every role reads the version in force and the holidays, and sees a missing
// year plainly; an admin adds a version (from tomorrow, in working days) and
// enters a year of holidays, and both are in the API and the audit log.
import AxeBuilder from '@axe-core/playwright';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Served } from '../support/process.ts';
import { startDemo, type Demo } from '../support/demo.ts';
import { launchChromium, screenshot, type TestBrowser } from '../support/browser.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 240_000 });

let served: Served;
let chromium: TestBrowser;
let passwords: Record<string, string> = {};
let demo: Demo;

beforeAll(async () => {
  demo = await startDemo('hcp-e2e-policy-');
  ({ served, passwords } = demo);
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await demo?.stop();
});

type Session = Awaited<ReturnType<BrowserContext['storageState']>>;
/** username → the session (cookie) of its first sign-in through the sign-in page here, for the pages opened later. */
const sessions = new Map<string, Session>();

/** Opens `path` as `username`, in a browser context of its own: signing in on the way the first time, with that session afterwards. */
async function openAs(username: string, path: string): Promise<{ context: BrowserContext; page: Page }> {
  const session = sessions.get(username);
  const context = await chromium.browser.newContext({
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1280, height: 900 },
    ...(session ? { storageState: session } : {}),
  });
  const page = await context.newPage();
  await page.goto(`${served.url}${path}`);
  if (!session) {
    await page.fill('#username', username);
    await page.fill('#password', passwords[username]!);
    await page.click('button[type=submit]');
    await page.waitForURL((u) => u.pathname !== '/signin');
    sessions.set(username, await context.storageState());
  }
  return { context, page };
}

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Today and tomorrow in China, 'YYYY-MM-DD'. */
const chinaDay = (offsetDays = 0) => new Date(Date.now() + 8 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
const nextYear = Number(chinaDay().slice(0, 4)) + 1;

describe('政策参数 in the console (issue 13)', () => {
  it('a staff member reads the numbers in force and the holidays, sees a missing year plainly, and may change nothing', async () => {
    const { context, page } = await openAs('staff-demo', `/policy`);
    await page.waitForURL(`${served.url}/policy`);
    await expect.poll(() => page.textContent('main')).toContain('现行版本：第 1 版，自 2019-01-01 起施行');
    const inForce = await page.$$eval('.numbers-in-force .value', (els) => els.map((e) => e.textContent!.trim()));
    expect(inForce).toEqual([
      '7 个自然日',
      '非常满意',
      '15 个自然日',
      '15 个自然日',
      '7 个自然日',
      '5 个工作日',
      '不少于 3 条，且占比不低于 5.0%',
      '连续 3 个月排名后 3 名',
      // Issue 14 (R11): the agency's days for a replacement flag, and how small agencies are ranked.
      '30 个自然日',
      '参与排名不足 5 人的机构，与同条线同层级合并排名',
    ]);
    expect(await page.getByRole('button', { name: '新增版本' }).count()).toBe(0);
    expect(await page.textContent('main')).toContain('只有系统管理员可以修改');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'policy-numbers');

    await page.getByRole('tab', { name: '节假日' }).click();
    await page.waitForURL(/tab=calendar/);
    await page.waitForSelector('.calendar-table .el-table__body tr');
    const year = chinaDay().slice(0, 4);
    const rows = await page.$$eval('.calendar-table .el-table__body tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim())),
    );
    expect(rows).toContainEqual([`${year}-10-01`, '周四', '放假', '国庆节']);
    expect(await page.textContent('main')).toContain('国务院办公厅关于2026年部分节假日安排的通知');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'policy-calendar');

    // The National Day of 2025, with the weekend days worked around it (调休).
    await page.goto(`${served.url}/policy?tab=calendar&year=2025`);
    await expect.poll(() => page.textContent('.calendar-table')).toContain('2025-10-08');
    const around = await page.$$eval('.calendar-table .el-table__body tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim())).filter((r) => r[0]! >= '2025-09-28' && r[0]! <= '2025-10-11'),
    );
    expect(around[0]).toEqual(['2025-09-28', '周日', '调休上班', '国庆节']);
    expect(around.at(-1)).toEqual(['2025-10-11', '周六', '调休上班', '国庆节']);

    // A year not entered is said so, not shown as empty.
    await page.goto(`${served.url}/policy?tab=calendar&year=${nextYear}`);
    await expect.poll(() => page.textContent('main')).toContain(`${nextYear} 年的节假日尚未录入`);
    expect(await page.textContent('main')).toContain('不会改按自然日计算');
    expect(await page.getByRole('button', { name: '录入该年' }).count()).toBe(0);
    await context.close();
  });

  it('an admin adds a version from tomorrow in working days: listed as scheduled, in the API and in the audit log', async () => {
    const { context, page } = await openAs('admin', `/policy`);
    await page.waitForURL(`${served.url}/policy`);
    await page.getByRole('button', { name: '新增版本' }).click();
    const dialog = page.locator('.el-dialog', { hasText: '新增政策版本' });
    await dialog.waitFor();
    const tomorrow = chinaDay(1);
    await page.fill('#policy-effective', tomorrow);
    await page.press('#policy-effective', 'Enter');
    await page.fill('#policy-ratingDays', '5');
    await page.press('#policy-ratingDays', 'Tab');
    await dialog.locator('.el-form-item', { hasText: '评价期限' }).getByText('工作日').click();
    await page.fill('#policy-note', '评价期限改为 5 个工作日（测试）');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'policy-new-version');
    await dialog.getByRole('button', { name: '保存' }).click();
    // What the page says next: the new version, or (were it refused) why.
    const said = page.locator('.el-message, .el-dialog [role=alert]').first();
    await said.waitFor();
    await screenshot(page, 'policy-new-version-saved');
    expect(await said.textContent()).toContain(`已新增第 2 版，自 ${tomorrow} 起施行`);

    await page.waitForSelector('.versions-table .el-table__body tr');
    const first = await page.$$eval('.versions-table .el-table__body tr:first-child td', (tds) => tds.map((td) => td.textContent!.trim()));
    expect(first.slice(1, 5)).toEqual(['2', tomorrow, '待施行', '5 个工作日']);
    // Today the first version is still in force.
    expect(await page.textContent('main')).toContain('现行版本：第 1 版');

    const api = (await (await page.request.get(`${served.url}/api/v1/policy`)).json()) as {
      versions: { id: number; effectiveFrom: string; state: string; numbers: { ratingDays: unknown; appealDays: unknown } }[];
    };
    expect(api.versions[0]).toMatchObject({
      id: 2,
      effectiveFrom: tomorrow,
      state: 'scheduled',
      numbers: { ratingDays: { days: 5, unit: 'working' }, appealDays: { days: 5, unit: 'working' } },
    });
    const audit = (await (await page.request.get(`${served.url}/api/v1/audit?action=policy.`)).json()) as {
      items: { action: string; actor: { name: string }; reason: string; changes: Record<string, unknown> }[];
    };
    expect(audit.items[0]).toMatchObject({
      action: 'policy.create_version',
      actor: { name: 'admin' },
      reason: '评价期限改为 5 个工作日（测试）',
      changes: { ratingDays: ['7 natural', '5 working'] },
    });
    await context.close();
  });

  it('an admin enters a year of holidays; a weekday given as a 调休 working day is refused, naming the line', async () => {
    const { context, page } = await openAs('admin', `/policy?tab=calendar&year=${nextYear}`);
    await expect.poll(() => page.textContent('main')).toContain(`${nextYear} 年的节假日尚未录入`);
    await page.getByRole('button', { name: '录入该年' }).click();
    const dialog = page.locator('.el-dialog', { hasText: `${nextYear} 年节假日安排` });
    await dialog.waitFor();
    await page.fill('#calendar-source', `国务院办公厅关于${nextYear}年部分节假日安排的通知（测试）`);
    // The first Monday of the year is no weekend: it cannot be a day worked in exchange.
    const monday = [1, 2, 3, 4, 5, 6, 7].map((d) => `${nextYear}-01-0${d}`).find((d) => new Date(`${d}T00:00:00Z`).getUTCDay() === 1)!;
    await page.fill('#calendar-days', `${nextYear}-01-01 放假 元旦\n\n${monday} 上班 元旦`);
    await dialog.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => dialog.locator('[role=alert]').textContent()).toContain('第 2 行');
    await page.fill('#calendar-days', `${nextYear}-01-01 放假 元旦\n${nextYear}-10-01 放假 国庆节`);
    await dialog.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => page.textContent('.el-message')).toContain(`${nextYear} 年节假日已保存`);
    await page.waitForSelector('.calendar-table .el-table__body tr');
    const days = await page.$$eval('.calendar-table .el-table__body tr td:first-child', (tds) => tds.map((td) => td.textContent!.trim()));
    expect(days).toEqual([`${nextYear}-01-01`, `${nextYear}-10-01`]);
    expect(await page.textContent('main')).not.toContain('尚未录入');
    const api = (await (await page.request.get(`${served.url}/api/v1/policy/calendar/${nextYear}`)).json()) as {
      covered: boolean;
      updatedBy: { username: string };
    };
    expect(api).toMatchObject({ covered: true, updatedBy: { username: 'admin' } });
    await context.close();
  });
});
