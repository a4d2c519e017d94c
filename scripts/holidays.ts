// The official holidays and 调休 working days of the years given, from the
// `chinese-days` package, with the State Council General Office's notice each
// day comes from (issue 13). It printed the calendar part of migration
// 0010_policy_calendar.sql:
//
//   npx tsx scripts/holidays.ts 2019 2026            # SQL, as in the migration
//   npx tsx scripts/holidays.ts 2027 --json          # one year as the body of PUT /api/v1/policy/calendar/2027
//
// A later year is added in the console (政策参数 → 节假日) or with the JSON
// above once the package has it; docs/policy.md says how. A day is kept under
// the year of its date: 2022-12-31 (a Saturday of the 2023 New Year holiday)
// belongs to 2022, and 2022's source names both notices.
import chineseDays from 'chinese-days/dist/chinese-days.json' with { type: 'json' };

/** The notice (国务院办公厅关于YYYY年部分节假日安排的通知, and any later change) of each year, as published on www.gov.cn. */
const NOTICES: Record<number, string[]> = {
  2019: [
    '国务院办公厅关于2019年部分节假日安排的通知（2018年12月，http://www.gov.cn/xinwen/2018-12/06/content_5346287.htm）',
    '国务院办公厅关于调整2019年劳动节假期安排的通知（2019年3月，http://www.gov.cn/zhengce/content/2019-03/22/content_5375877.htm）',
  ],
  2020: [
    '国务院办公厅关于2020年部分节假日安排的通知（2019年11月，http://www.gov.cn/zhengce/content/2019-11/21/content_5454164.htm）',
    '国务院办公厅关于延长2020年春节假期的通知（2020年1月，http://www.gov.cn/zhengce/content/2020-01/27/content_5472352.htm）',
  ],
  2021: ['国务院办公厅关于2021年部分节假日安排的通知（2020年11月，http://www.gov.cn/zhengce/content/2020-11/25/content_5564127.htm）'],
  2022: ['国务院办公厅关于2022年部分节假日安排的通知（2021年10月，http://www.gov.cn/zhengce/content/2021-10/25/content_5644835.htm）'],
  2023: ['国务院办公厅关于2023年部分节假日安排的通知（2022年12月，http://www.gov.cn/zhengce/content/2022-12/08/content_5730844.htm）'],
  2024: ['国务院办公厅关于2024年部分节假日安排的通知（2023年10月，https://www.gov.cn/zhengce/content/202310/content_6911527.htm）'],
  2025: ['国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024年11月，https://www.gov.cn/zhengce/zhengceku/202411/content_6986383.htm）'],
  2026: ['国务院办公厅关于2026年部分节假日安排的通知（2025年11月，https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm）'],
};

// The package's short names, as the notices name the festivals.
const NAMES: Record<string, string> = { 清明: '清明节', 端午: '端午节', 中秋: '中秋节' };

export interface HolidayDay {
  day: string;
  kind: 'holiday' | 'workday';
  name: string;
}

export function holidayYear(year: number): { year: number; source: string; days: HolidayDay[] } {
  const days: HolidayDay[] = [];
  for (const kind of ['holiday', 'workday'] as const) {
    for (const [day, text] of Object.entries((chineseDays as Record<string, Record<string, string>>)[`${kind}s`]!)) {
      if (!day.startsWith(`${year}-`)) continue;
      const short = text.split(',')[1]!;
      days.push({ day, kind, name: NAMES[short] ?? short });
    }
  }
  if (!days.length) throw new Error(`chinese-days has no holidays for ${year}`);
  days.sort((a, b) => a.day.localeCompare(b.day));
  // A New Year holiday that starts in late December comes from the next year's notice.
  const fromNext = days.filter((d) => d.day.slice(5, 7) === '12' && d.name === '元旦').map((d) => d.day.slice(5));
  const own = NOTICES[year];
  if (!own) throw new Error(`no notice is recorded for ${year}: add it to NOTICES`);
  const next = fromNext.length ? NOTICES[year + 1] : undefined;
  if (fromNext.length && !next) throw new Error(`${year} has New Year days from ${year + 1}'s notice, which is not recorded`);
  const source = [...own, ...(next ? [`${fromNext.map((d) => `${Number(d.slice(0, 2))}月${Number(d.slice(3))}日`).join('、')}：${next[0]}`] : [])].join('；');
  return { year, source, days };
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

function sqlOf(years: number[]): string {
  const lines: string[] = [];
  lines.push('insert into calendar_year (year, source, updated_at) values');
  lines.push(years.map((y) => `  (${y}, ${quote(holidayYear(y).source)}, now())`).join(',\n') + ';');
  for (const y of years) {
    const { days } = holidayYear(y);
    lines.push(`insert into calendar_day (day, year, kind, name) values`);
    lines.push(days.map((d) => `  ('${d.day}', ${y}, '${d.kind}', ${quote(d.name)})`).join(',\n') + ';');
  }
  return lines.join('\n');
}

const args = process.argv.slice(2);
if (process.argv[1]?.endsWith('holidays.ts')) {
  try {
    main();
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}

function main() {
  const numbers = args.filter((a) => /^\d{4}$/.test(a)).map(Number);
  const from = numbers[0] ?? 2019;
  const to = numbers[1] ?? numbers[0] ?? 2026;
  const years = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  if (args.includes('--json')) {
    const { source, days } = holidayYear(from);
    console.log(JSON.stringify({ source, days }, null, 2));
  } else console.log(sqlOf(years));
}
