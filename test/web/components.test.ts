// The web app's filter, picker and table logic as components, in happy-dom:
// what a user's click sends to the URL, how an interval is drawn, and what
// an API error says to the person in front of the screen.
import { mount } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import { describe, expect, it, vi } from 'vitest';
import { errorText } from '../../web/src/api/errors.ts';
import IntervalBar from '../../web/src/components/IntervalBar.vue';
import PeriodPicker from '../../web/src/components/PeriodPicker.vue';
import { i18n } from '../../web/src/i18n/index.ts';
import { problemText } from '../../web/src/problems.ts';

const global = { plugins: [ElementPlus, i18n] };

describe('the period picker', () => {
  it('switching month, quarter, year and custom days writes the period the API takes', async () => {
    const picker = mount(PeriodPicker, { props: { modelValue: { period: '2025-Q3' } }, global });
    const radio = (label: string) => picker.findAll('label.el-radio-button').find((l) => l.text() === label)!;
    await radio('年度').find('input').setValue(true);
    await radio('月度').find('input').setValue(true);
    await radio('自定义').find('input').setValue(true);
    // A past year: its last quarter or month; custom: the whole year.
    expect(picker.emitted('update:modelValue')).toEqual([[{ period: '2025' }], [{ period: '2025-12' }], [{ from: '2025-01-01', to: '2025-12-31' }]]);
  });

  it('a year takes one choice, a quarter or a month two, custom days a date range', async () => {
    const selects = (modelValue: object) => mount(PeriodPicker, { props: { modelValue }, global });
    expect(selects({ period: '2025' }).findAll('.el-select').length).toBe(1);
    expect(selects({ period: '2025-Q3' }).findAll('.el-select').length).toBe(2);
    expect(selects({ period: '2025-07' }).findAll('.el-select').length).toBe(2);
    const custom = selects({ from: '2025-01-01', to: '2025-03-31' });
    expect(custom.findAll('.el-select').length).toBe(0);
    // The date picker loads when first needed.
    await vi.waitFor(() => expect(custom.find('.el-date-editor').exists()).toBe(true));
  });
});

describe('the interval drawn beside a mean', () => {
  it('places the range and the mean on the scale of the table', () => {
    const bar = mount(IntervalBar, { props: { mean: 9, interval: { low: 8, high: 10 }, min: 8, max: 10 } });
    expect(bar.find('.range').attributes('style')).toContain('left: 0.0%');
    expect(bar.find('.dot').attributes('style')).toContain('left: 50.0%');
    expect(bar.text()).toBe('8.00–10.00');
  });

  it('draws nothing without an interval', () => {
    const bar = mount(IntervalBar, { props: { mean: null, interval: null, min: 8, max: 10 } });
    expect(bar.find('.track').exists()).toBe(false);
    expect(bar.text()).toBe('—');
  });
});

describe('what the API says about a row or a field, in Chinese', () => {
  it.each([
    ['no region has the code 460100000000', '没有代码为 460100000000 的地区'],
    ['no agency has the code 91450100X', '没有代码为 91450100X 的政务服务机构'],
    ['repeats row 3', '与第 3 行重复'],
    ['would lie outside your scope', '导入后该记录将超出您的数据范围'],
    ['must be capital letters, digits, - or _ (got "ZX BAD!")', '格式不正确（填的是“ZX BAD!”）'],
    ['is required', '必填'],
    ['something new the API says', 'something new the API says'],
  ])('%s', (english, chinese) => {
    expect(problemText(english)).toBe(chinese);
  });
});

describe('what an API error says', () => {
  const answer = (status: number, headers: Record<string, string> = {}) => new Response(null, { status, headers });
  it('a known error id in Chinese, saying what to do next', () => {
    expect(errorText({ error: { id: 'import_in_progress', message: 'An import…' } }, answer(409, { 'retry-after': '10' }))).toBe(
      '正在导入一份文件，组织机构暂时不能修改，请稍后（约 10 秒）再试。',
    );
    expect(errorText({ error: { id: 'out_of_scope', message: 'x' } }, answer(403))).toBe('所选地区或记录超出您的数据范围。');
    expect(errorText({ error: { id: 'agency_already_exists', message: 'x' } }, answer(409))).toBe('该记录已存在，请修改已有记录，不要重复新增。');
  });

  it("an unknown id keeps the API's words; no answer at all is the network; 429 says when", () => {
    expect(errorText({ error: { id: 'something_new', message: 'Explained here' } }, answer(400))).toBe('操作未成功：Explained here');
    expect(errorText(undefined)).toBe('无法连接服务器，请检查网络后重试。');
    expect(errorText(undefined, answer(429, { 'retry-after': '30' }))).toBe('请求过于频繁，请 30 秒后再试。');
  });
});
