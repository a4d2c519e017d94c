// What the findings pages (issue 14) say and send: a confirmation names its
// ratings only when some were left out (the API voids all that still count
// otherwise), a signal's evidence in words, a key target's streak, the
// charts' points, the API's refusals in Chinese; and a key target's and a
// replacement's details and the marks beside a name, as components.
import { mount } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import { describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import { i18n } from '../../web/src/i18n/index.ts';
import { me, type Me } from '../../web/src/session.ts';
import {
  evidenceRows,
  findingErrorText,
  findingStateText,
  periodText,
  stepBody,
  streakText,
  suspicionText,
  workflowsFor,
  type FindingDetail,
  type FlaggedRating,
  type StepValues,
} from '../../web/src/findings.ts';
import { peersOption, timelineOption } from '../../web/src/findingCharts.ts';
import { formatDayOrTime } from '../../web/src/format.ts';
import { policyErrorText } from '../../web/src/pages/policy/problems.ts';
import FindingMarks from '../../web/src/components/FindingMarks.vue';
import KeyTargetDetails from '../../web/src/pages/findings/KeyTargetDetails.vue';
import ReplacementDetails from '../../web/src/pages/findings/ReplacementDetails.vue';

const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/findings/:id', name: 'finding', component: { template: '<div />' } }] });
const global = { plugins: [ElementPlus, i18n, router] };

const values = (overrides: Partial<StepValues> = {}): StepValues => ({
  reason: '',
  against: 'agency',
  staffId: null,
  ratingIds: [],
  visited: '',
  visitedAt: '',
  said: '',
  rootCause: '',
  measures: '',
  dueAt: '',
  ...overrides,
});

describe('the body of a step', () => {
  it('a confirmation with every counting rating chosen leaves them to the API’s default', () => {
    const body = stepBody('investigation', 'confirm', 3, values({ reason: ' 刷好评属实 ', ratingIds: [12, 10, 11] }), [10, 11, 12]);
    expect(body).toEqual({ event: 'confirm', version: 3, reason: '刷好评属实', against: 'agency' });
  });

  it('a confirmation with some ratings left out names those chosen, in order', () => {
    const body = stepBody('investigation', 'confirm', 3, values({ reason: '属实', ratingIds: [12, 10] }), [10, 11, 12]);
    expect(body.ratingIds).toEqual([10, 12]);
  });

  it('against a staff member names them; against the agency never sends a staff member', () => {
    expect(stepBody('investigation', 'confirm', 1, values({ reason: 'r', against: 'staff', staffId: 7804 }), [])).toMatchObject({
      against: 'staff',
      staffId: 7804,
    });
    expect(stepBody('investigation', 'confirm', 1, values({ reason: 'r', against: 'agency', staffId: 7804 }), [])).not.toHaveProperty('staffId');
  });

  it('each step sends only its own fields, empty ones left out', () => {
    const filled = values({
      reason: '原因',
      visited: '申请人王某',
      visitedAt: '2026-11-20',
      said: '已满意',
      rootCause: '',
      measures: '培训',
      dueAt: '2026-12-20',
    });
    expect(stepBody('key_target', 'visit', 2, filled, [])).toEqual({
      event: 'visit',
      version: 2,
      visited: '申请人王某',
      visitedAt: '2026-11-20',
      said: '已满意',
    });
    expect(stepBody('key_target', 'set_measures', 2, filled, [])).toEqual({ event: 'set_measures', version: 2, measures: '培训', dueAt: '2026-12-20' });
    expect(stepBody('replacement', 'plan', 5, filled, [])).toEqual({ event: 'plan', version: 5, reason: '原因' });
  });
});

describe('words of the findings pages', () => {
  it('investigations are offered to supervisory departments, auditors and admins only', () => {
    expect(workflowsFor('supervisor')).toEqual(['investigation', 'key_target', 'replacement']);
    expect(workflowsFor('auditor')).toEqual(['investigation', 'key_target', 'replacement']);
    expect(workflowsFor('agency_manager')).toEqual(['key_target', 'replacement']);
    expect(workflowsFor('line_manager')).toEqual(['key_target', 'replacement']);
  });

  it('states, suspicion, months and streaks', () => {
    expect(findingStateText('investigation', 'confirmed')).toBe('已确认');
    expect(findingStateText('key_target', 'rectifying')).toBe('整改中');
    expect(findingStateText('replacement', 'unknown_state')).toBe('unknown_state');
    expect(suspicionText(0.7)).toBe('70%');
    expect(suspicionText(0.956)).toBe('96%');
    expect(suspicionText(null)).toBe('—');
    expect(periodText('2026-10-01', '2026-10-31')).toBe('2026年10月');
    expect(periodText('2026-08-01', '2026-10-31')).toBe('2026-08 至 2026-10');
    expect(periodText(null, null)).toBe('—');
    expect(streakText({ repeated: true, streak: 3 })).toBe('连续第 3 期');
    expect(streakText({ repeated: false, streak: 1 })).toBe('');
    expect(streakText({})).toBe('');
    // A visit recorded by its day (00:00 China time) shows the day; one with a time shows both.
    expect(formatDayOrTime('2026-11-04T16:00:00.000Z')).toBe('2026年11月5日');
    expect(formatDayOrTime('2026-11-05T02:30:00.000Z')).toBe('2026年11月5日 10:30');
  });

  it('a signal’s evidence: named figures, China times, shares, p-values, lists, the days before and after', () => {
    const rows = evidenceRows({
      day: '2026-11-22',
      firstAt: '2026-11-22T02:00:50.000Z',
      ratings: 8,
      channels: ['device', 'sms'],
      share: 0.975,
      pValue: 1.234e-9,
      before: { active: 40, verySatisfied: 30, share: 0.75 },
      via: 'phone',
      mystery: 'as given',
    });
    expect(rows.map((r) => [r.label, r.value])).toEqual([
      ['日期', '2026-11-22'],
      ['最早', '2026年11月22日 10:00'],
      ['评价数', '8'],
      ['评价渠道', '评价器、短信'],
      ['非常满意占比', '97.5%'],
      ['显著性（p 值）', '1.2e-9'],
      ['核实前', '有效评价 40 条，其中非常满意 30 条（75.0%）'],
      ['识别方式', '手机号'],
      ['mystery', 'as given'],
    ]);
  });

  it('the API’s refusals of a step, in Chinese', () => {
    const answer = (id: string) => findingErrorText({ error: { id, message: 'English words' } }, new Response(null, { status: 409 }));
    expect(answer('visit_missing')).toBe('重点测评对象须至少回访一次后方可销号（第十一条）。');
    expect(answer('item_changed')).toBe('该事项已被他人更新，请刷新后重试。');
    expect(answer('deadline_not_later')).toBe('整改期限须晚于现在。');
    // Ids of 督办 and of the console still read as they do there.
    expect(answer('party_not_allowed')).toBe('您的角色不能进行此项办理。');
    expect(findingErrorText(undefined)).toBe('无法连接服务器，请检查网络后重试。');
  });
});

describe('a refused policy version names the threshold', () => {
  it('by its heading, signal and field; the replacement’s deadline by its name', () => {
    const refused = (field: string) =>
      policyErrorText(
        { error: { id: 'validation_failed', message: 'bad', fields: [{ field, message: 'must be a whole number from 1 to 100000' }] } },
        new Response(null, { status: 400 }),
      );
    expect(refused('/body/numbers/detection/quickCases/count')).toMatch(/^刷好评识别阈值 · 秒办秒评 · 条数：/);
    expect(refused('/body/numbers/replacement/deadlineDays')).toMatch(/^末位调整处理期限：/);
  });
});

describe('the charts of an investigation', () => {
  const rating = (id: number, level: FlaggedRating['level'], suspicion: number): FlaggedRating => ({
    id,
    level,
    levelName: '',
    givenAt: `2026-11-22T02:0${id}:00.000Z`,
    occurredAt: '2026-11-22T02:00:00.000Z',
    channel: 'device',
    caseNumber: `C${id}`,
    windowId: 1,
    staffId: 2,
    counts: true,
    kinds: ['quick_cases'],
    suspicion,
  });

  it('the timeline has one series per level present, each point at its time and suspicion in percent', () => {
    const option = timelineOption([rating(1, 'very_satisfied', 0.7), rating(2, 'satisfied', 0.88), rating(3, 'very_satisfied', 0.9)], {
      level: (l) => i18n.global.t(`ratingLevels.${l}`),
      suspicion: '可疑度',
      locale: 'zh-CN',
    });
    expect(option.legend.data).toEqual(['非常满意', '满意']);
    expect(option.series.map((s) => s.data)).toEqual([
      [
        ['2026-11-22T02:01:00.000Z', 70, 'C1'],
        ['2026-11-22T02:03:00.000Z', 90, 'C3'],
      ],
      [['2026-11-22T02:02:00.000Z', 88, 'C2']],
    ]);
  });

  it('the peers chart gives the window’s and the peers’ shares by month, in percent (none where there were no ratings)', () => {
    const option = peersOption(
      [
        { month: '2026-10', active: 0, share: null, peerActive: 35, peerShare: 0.8286 },
        { month: '2026-11', active: 11, share: 1, peerActive: 51, peerShare: 0.902 },
      ],
      { window: '本窗口', peers: '同类窗口', share: '非常满意占比' },
    );
    expect(option.xAxis.data).toEqual(['2026-10', '2026-11']);
    expect(option.series[0]!.data).toEqual([null, 100]);
    expect(option.series[1]!.data).toEqual([82.9, 90.2]);
  });
});

const finding = (workflow: 'key_target' | 'replacement', details: Record<string, unknown>, dueAt: string | null = null) =>
  ({
    id: 9,
    workflow,
    state: 'open',
    version: 1,
    subject: { type: 'staff', key: '1', name: '张三' },
    periodStart: '2026-10-01',
    periodEnd: '2026-10-31',
    regionCode: '450102000000',
    agencyCode: 'A',
    businessLineCode: 'L',
    staffId: 1,
    score: null,
    openedAt: '2026-11-01T02:00:00.000Z',
    dueAt,
    closedAt: null,
    overdue: false,
    overdueAt: null,
    escalatedTo: null,
    details,
    names: { agency: '某局', region: '兴宁区', staff: '张三', escalatedTo: null },
    allowedSteps: [],
    history: [],
    investigation: null,
  }) as FindingDetail;

describe('a key target and a replacement, as their pages show them', () => {
  it('a key target: its figures against the thresholds, the visits in order, the measures and their deadline', async () => {
    const page = mount(KeyTargetDetails, {
      props: {
        finding: finding(
          'key_target',
          {
            counted: 40,
            bad: 5,
            share: 0.125,
            thresholds: { minCount: 3, minShare: 0.05 },
            visits: [
              { visited: '申请人李某', at: '2026-11-12T02:00:00.000Z', said: '已解决', by: '兴宁区监督' },
              { visited: '申请人王某', at: '2026-11-10T02:00:00.000Z', said: '仍不满意', by: '兴宁区监督' },
            ],
            rootCause: '窗口人手不足',
            measures: '增设窗口',
          },
          '2026-12-20T16:00:00.000Z',
        ),
      },
      global,
    });
    // Element's tables fill their rows after mounting.
    await vi.waitFor(() => expect(page.findAll('.visits-table .el-table__body tr td')).toHaveLength(8));
    const text = page.text();
    expect(text).toContain('40 条');
    expect(text).toContain('12.5%');
    expect(text).toContain('不少于 3 条且占比不低于 5.0%');
    const visits = page.findAll('.visits-table .el-table__body tr').map((tr) => tr.text());
    expect(visits[0]).toContain('申请人王某');
    expect(visits[1]).toContain('申请人李某');
    expect(text).toContain('窗口人手不足');
    expect(text).toContain('2026年12月20日 24:00');
  });

  it('a key target with nothing recorded yet says so', () => {
    const text = mount(KeyTargetDetails, { props: { finding: finding('key_target', { counted: 12, bad: 3, share: 0.25 }) }, global }).text();
    expect(text).toContain('尚无回访记录');
    expect(text).toContain('尚未制定整改措施');
  });

  it('a replacement: each month’s rank in its group, the key target month, the plans and how it ended', async () => {
    const page = mount(ReplacementDetails, {
      props: {
        finding: finding('replacement', {
          periods: [
            { month: '2026-08', rank: 9, of: 10, score: 8.5, group: 'agency' },
            { month: '2026-09', rank: 10, of: 10, score: 8.25, group: 'line_level' },
          ],
          keyTargetMonth: '2026-07',
          keyTargetId: 4,
          plans: [{ plan: '安排脱岗培训', by: '机构管理员', at: '2026-11-02T02:00:00.000Z' }],
          recovery: { month: '2026-10', rank: 3, of: 10, score: 9.5, group: 'agency' },
        }),
      },
      global,
    });
    await vi.waitFor(() => expect(page.findAll('.periods-table .el-table__body tr td')).toHaveLength(8));
    const text = page.text();
    expect(text).toContain('2026年8月');
    expect(text).toContain('第 9/10 名');
    expect(text).toContain('8.25');
    expect(text).toContain('同条线同层级');
    expect(text).toContain('2026年7月');
    expect(text).toContain('安排脱岗培训');
    expect(text).toContain('已退出末位：2026年10月 第 3/10 名');
  });
});

describe('the marks beside a name', () => {
  const user = (role: string) => ({ role }) as Me;

  it('a violation in red, a key target and a replacement opening their latest finding', () => {
    me.value = user('supervisor');
    const marks = mount(FindingMarks, { props: { marks: { violations: 2, keyTargets: [3, 8], replacements: [5] } }, global });
    expect(marks.find('.violation-mark').text()).toBe('刷好评违规 2');
    expect(marks.find('.violation-mark').classes()).toContain('el-tag--danger');
    expect(marks.find('.key-target-mark').text()).toBe('重点测评对象 ×2');
    expect(marks.findAll('a').map((a) => a.attributes('href'))).toEqual(['/findings/8', '/findings/5']);
  });

  it('nothing when nothing was found; no links for those who cannot open findings', () => {
    expect(
      mount(FindingMarks, { props: { marks: { violations: 0, keyTargets: [], replacements: [] } }, global })
        .find('.finding-marks')
        .exists(),
    ).toBe(false);
    me.value = user('staff');
    const marks = mount(FindingMarks, { props: { marks: { violations: 0, keyTargets: [3], replacements: [] } }, global });
    expect(marks.text()).toBe('重点测评对象');
    expect(marks.findAll('a')).toHaveLength(0);
    me.value = null;
  });
});
