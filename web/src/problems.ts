// What the API says about a row of an import or a field of a form, in the
// user's language: the API's messages are in English (for integrators); these
// are the ones people meet, as patterns. Anything else is shown as the API
// wrote it.
import { i18n } from './i18n';

const ENTITY: Record<string, string> = {
  'business line': 'business-lines',
  agency: 'agencies',
  center: 'centers',
  window: 'windows',
  staff: 'staff',
  matter: 'matters',
};

type Rule = [RegExp, (m: RegExpExecArray) => [string, Record<string, string>?]];
const RULES: Rule[] = [
  [/^is required$|^must be text$|^must be string$|^must NOT have fewer than 1 characters$/, () => ['problems.required']],
  [/^appears twice$/, () => ['problems.columnTwice']],
  [/^required column is missing$/, () => ['problems.columnMissing']],
  [/^is not a column of (.+?); expected (.+)$/, (m) => ['problems.notAColumn', { kind: m[1]!, expected: m[2]! }]],
  [/^the file is empty/, () => ['problems.emptyFile']],
  [/^the file has a header but no rows$/, () => ['problems.noRows']],
  [/^was stored by Excel as a number/, () => ['problems.excelNumber']],
  [/^repeats row (\d+)$/, (m) => ['problems.repeatsRow', { row: m[1]! }]],
  [/^repeats the device of row (\d+)$/, (m) => ['problems.repeatsDevice', { row: m[1]! }]],
  [/^center (\S*) has no active window (\S*)$/, (m) => ['problems.noSuchWindow', { center: m[1] || '—', number: m[2] || '—' }]],
  [/^names a record outside your scope$/, () => ['problems.outsideBefore']],
  [/^would lie outside your scope$/, () => ['problems.outsideAfter']],
  [/^is in the future/, () => ['problems.future']],
  [/^is not a valid unified social credit code/, () => ['problems.creditCode']],
  [/^is not a valid 18-digit resident ID number$/, () => ['problems.residentId']],
  [/^is not an 11-digit mobile number$/, () => ['problems.mobile']],
  [/^is not a division code/, () => ['problems.divisionCode']],
  [/^must be a whole number/, () => ['problems.integer']],
  [/^must be from (\d+) to (\d+)/, (m) => ['problems.between', { min: m[1]!, max: m[2]! }]],
  [/^must be at most (\d+) characters$|^must NOT have more than (\d+) characters$/, (m) => ['problems.tooLong', { max: (m[1] ?? m[2])! }]],
  [/^must be 是\/否/, () => ['problems.yesNo']],
  [/^must be one of (.+) \(got/, (m) => ['problems.oneOf', { allowed: m[1]! }]],
  [/^must be a day/, () => ['problems.day']],
  [/^must be (.+) \(got "(.*)"\)$/, (m) => ['problems.form', { value: m[2]! }]],
  [/^no region has the code (\S+)$/, (m) => ['problems.noRegion', { code: m[1]! }]],
  [/^no (business line|agency|center|window|staff|matter) has the code (\S+)$/, (m) => ['problems.noRecord', { kind: ENTITY[m[1]!]!, code: m[2]! }]],
  [/^(business line|agency|center|window|staff|matter) (\S+) is retired$/, (m) => ['problems.retired', { kind: ENTITY[m[1]!]!, code: m[2]! }]],
  [/^center (\S+) has no window (\S+)$/, (m) => ['problems.noWindow', { center: m[1]!, window: m[2]! }]],
  [/^device (\S+) is at window (\S+)$/, (m) => ['problems.deviceTaken', { device: m[1]!, window: m[2]! }]],
  [/^a center cannot be its own parent$/, () => ['problems.ownParent']],
  [/is itself a sub-center/, () => ['problems.subOfSub']],
  [/^center (\S+) is in region (\S+), not (\S+)$/, (m) => ['problems.parentRegion', { center: m[1]!, region: m[2]! }]],
  [/^is required when a window number is given$/, () => ['problems.centerForWindow']],
  [/^moves a staff member whose current post began/, () => ['problems.movedJustNow']],
  [/^is not a known field$/, () => ['problems.unknownField']],
];

/** One problem in the user's language (kinds named as in the menu). */
export function problemText(message: string): string {
  const { t, locale } = i18n.global;
  if (locale.value === 'en') return message;
  for (const [pattern, make] of RULES) {
    const m = pattern.exec(message);
    if (!m) continue;
    const [key, values = {}] = make(m);
    if (values.kind) values.kind = t(`org.kinds.${values.kind}`);
    return t(key, values);
  }
  return message;
}
