// What the supervision pages say in Chinese about the API's English: a
// deadline the holiday calendar could not give, the loop's error ids, and a
// file refused before it is sent; and what the rater's page says became of
// a rating.
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { RaterSupervision } from '../../web/src/rate/api.ts';
import RatingFollowUp from '../../web/src/rate/components/RatingFollowUp.vue';
import { attachmentProblem, deadlineProblemText, supervisionErrorText } from '../../web/src/supervision.ts';

const answer = (status: number) => new Response(null, { status });
const error = (id: string, message = 'English words') => ({ error: { id, message } });

describe('a review without a deadline', () => {
  it('says the deadline waits for the missing year of the holiday calendar', () => {
    const message = "The holiday calendar has no year 2027: working days in 2027 are unknown until an admin adds 2027's holidays (政策参数 → 节假日)";
    expect(deadlineProblemText({ deadlineProblem: message })).toBe('期限待定：节假日日历缺 2027 年');
    expect(deadlineProblemText({ deadlineProblem: 'something else' })).toBe('期限待定：something else');
    expect(deadlineProblemText({})).toBe('');
    expect(deadlineProblemText(null)).toBe('');
  });
});

describe('the loop’s error ids, in Chinese', () => {
  it.each([
    ['transition_not_allowed', '该事项当前状态不允许此操作，请刷新后重试。'],
    ['item_changed', '该事项已被他人更新，请刷新后重试。'],
    ['scope_below_proposer', '撤销须由与提请人同级或上级的监督人员审批（第十三条）。'],
    ['extension_too_late', '整改已逾期，不能再延期。'],
    ['extension_too_long', '延期不得超过原期限后 90 天。'],
    ['not_notified', '评价尚在审核中，进入核实后方可申诉。'],
    ['attachment_too_large', '附件不得超过 5 MB。'],
  ])('%s', (id, text) => {
    expect(supervisionErrorText(error(id), answer(409))).toBe(text);
  });

  it('calendar_year_missing names the year where the API does', () => {
    expect(supervisionErrorText(error('calendar_year_missing', 'The holiday calendar has no year 2027: …'), answer(409))).toBe(
      '节假日日历缺少 2027 年，请管理员在 政策参数 → 节假日 中补录。',
    );
    expect(supervisionErrorText(error('calendar_year_missing', 'no year named'), answer(409))).toBe(
      '节假日日历缺少所需年份，请管理员在 政策参数 → 节假日 中补录。',
    );
  });
});

describe('evidence refused before it is sent', () => {
  const MB = 1024 * 1024;
  it.each([
    [{ name: 'a.pdf', size: MB, type: 'application/pdf' }, null],
    [{ name: 'a.JPG', size: MB, type: 'image/jpeg' }, null],
    [{ name: 'a.png', size: 5 * MB, type: 'image/png' }, null],
    [{ name: 'a.pdf', size: 5 * MB + 1, type: 'application/pdf' }, 'tooLarge'],
    [{ name: 'a.docx', size: 1000, type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' }, 'wrongType'],
    [{ name: 'a.gif', size: 1000, type: 'image/gif' }, 'wrongType'],
    // No type known to the browser: the name's extension decides.
    [{ name: 'scan.jpeg', size: 1000, type: '' }, null],
    [{ name: 'scan', size: 1000, type: '' }, 'wrongType'],
  ] as const)('%j → %s', (file, problem) => {
    expect(attachmentProblem(file)).toBe(problem);
  });
});

describe('the rater is told what became of the rating, in words that cannot be misread', () => {
  const at = '2026-11-20T06:00:00Z';
  const shown = (supervision: Partial<RaterSupervision>) =>
    mount(RatingFollowUp, {
      props: { token: 't', supervision: { stage: 'none', verified: null, feedback: [], rectification: null, ...supervision } as RaterSupervision },
    }).text();

  it('voided after an upheld appeal says 经申诉复核, after review 经审核', () => {
    expect(shown({ stage: 'voided', feedback: [{ kind: 'appeal_upheld', text: '窗口当日系统停机。', at }] })).toContain('经申诉复核，您的评价不计入评价结果。');
    expect(shown({ stage: 'voided', feedback: [{ kind: 'review_rejected', text: '与服务无关。', at }] })).toContain('经审核，您的评价不计入评价结果。');
  });

  it('an unfounded finding introduces the explanation, never "已核实"; a revocation names its cause', () => {
    const stands = shown({ stage: 'stands', feedback: [{ kind: 'unfounded', text: '经调阅录像，工作人员已一次性告知。', at }] });
    expect(stands).toContain('经核实，情况说明如下：');
    expect(stands).toContain('经调阅录像，工作人员已一次性告知。');
    expect(stands).not.toContain('已核实');
    expect(shown({ stage: 'revoked' })).toContain('经核实系信息系统故障等客观原因所致，该评价已撤销。');
  });
});
