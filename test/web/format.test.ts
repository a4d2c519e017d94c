// The web app's formatting and period logic (the filters' text in the URL), as tables.
import { describe, expect, it } from 'vitest';
import {
  chinaToday,
  describeChanges,
  formatCount,
  formatDateTime,
  formatDeadline,
  formatMean,
  formatShare,
  parsePeriod,
  periodText,
} from '../../web/src/format.ts';

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

describe('deadlines: 24:00 of a day, never 00:00 of the next', () => {
  it.each([
    // 24:00 China time of 2026-12-20, stored as 2026-12-21 00:00 +08:00, written in any offset.
    ['2026-12-21T00:00:00+08:00', '2026年12月20日 24:00'],
    ['2026-12-20T16:00:00Z', '2026年12月20日 24:00'],
    ['2026-12-20T16:00:00.000Z', '2026年12月20日 24:00'],
    // Across a month and a year.
    ['2027-01-01T00:00:00+08:00', '2026年12月31日 24:00'],
    ['2026-03-01T00:00:00+08:00', '2026年2月28日 24:00'],
    // Any other instant, as formatDateTime shows it.
    ['2026-12-21T00:00:01+08:00', '2026年12月21日 00:00'],
    ['2026-12-20T23:59:00+08:00', '2026年12月20日 23:59'],
    ['2026-12-21T00:00:00Z', '2026年12月21日 08:00'],
    ['2026-12-20T14:30:00+08:00', '2026年12月20日 14:30'],
  ])('%s reads %s', (iso, shown) => {
    expect(formatDeadline(iso)).toBe(shown);
  });

  it('takes a Date, shows a dash for nothing or nonsense, and speaks English too', () => {
    expect(formatDeadline(new Date('2026-12-21T00:00:00+08:00'))).toBe('2026年12月20日 24:00');
    expect(formatDeadline(null)).toBe('—');
    expect(formatDeadline(undefined)).toBe('—');
    expect(formatDeadline('not a date')).toBe('—');
    expect(formatDeadline('2026-12-21T00:00:00+08:00', 'en')).toBe('Dec 20, 2026, 24:00');
    expect(formatDeadline('2026-12-20T14:30:00+08:00', 'en')).toBe(formatDateTime('2026-12-20T14:30:00+08:00', 'en'));
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
