// The web app's formatting and period logic (the filters' text in the URL), as tables.
import { describe, expect, it } from 'vitest';
import { chinaToday, describeChanges, formatCount, formatDateTime, formatMean, formatShare, parsePeriod, periodText } from '../../web/src/format.ts';

describe('periods in the URL', () => {
  it.each([
    ['2026', { kind: 'year', year: 2026, part: 0 }],
    ['2026-Q3', { kind: 'quarter', year: 2026, part: 3 }],
    ['2026-07', { kind: 'month', year: 2026, part: 7 }],
    ['2026-12', { kind: 'month', year: 2026, part: 12 }],
  ] as const)('%s reads back and is written the same', (text, period) => {
    expect(parsePeriod(text)).toEqual(period);
    expect(periodText(period.kind, period.year, period.part)).toBe(text);
  });

  it.each(['', '26', '2026-Q5', '2026-13', '2026-7', 'x2026', null, undefined])('%s is not a period', (text) => {
    expect(parsePeriod(text)).toBeNull();
  });
});

describe('numbers and dates as a Chinese reader expects', () => {
  it('groups thousands, two decimals for means, one for shares, a dash for nothing', () => {
    expect(formatCount(1411)).toBe('1,411');
    expect(formatCount(null)).toBe('—');
    expect(formatMean(9.8234)).toBe('9.82');
    expect(formatMean(null)).toBe('—');
    expect(formatShare(0.0125)).toBe('1.3%');
    expect(formatShare(undefined)).toBe('—');
  });

  it("shows times in China time whatever the browser's zone, and knows China's today", () => {
    // 2026-12-31 17:30 UTC is already 2027-01-01 01:30 in Beijing.
    expect(formatDateTime('2026-12-31T17:30:00Z')).toBe('2027年1月1日 01:30');
    expect(chinaToday(new Date('2026-12-31T17:30:00Z'))).toEqual({ year: 2027, quarter: 1, month: 1 });
    expect(chinaToday(new Date('2026-06-30T15:59:00Z'))).toEqual({ year: 2026, quarter: 2, month: 6 });
  });
});

describe('an audit event’s changes, as a person reads them', () => {
  const words = { yes: '是', no: '否', empty: '（空）', changed: '已修改（内容保密）' };
  const label = (f: string) => ({ name: '名称', idNumber: '身份证号', active: '启用' })[f];
  it.each([
    [{ name: ['旧名', '新名'] }, ['名称：旧名 → 新名']],
    [{ idNumber: 'changed', active: [true, false] }, ['身份证号：已修改（内容保密）', '启用：是 → 否']],
    [{ name: [null, '新名'], rows: 3 }, ['名称：（空） → 新名', 'rows：3']],
    [null, []],
    ['x', ['x']],
  ])('%j', (changes, lines) => {
    expect(describeChanges(changes, label, words)).toEqual(lines);
  });
});
