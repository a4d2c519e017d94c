// What the policy API's refusals mean on this page: its own error ids in the
// user's language (with the day or year they name), the fields of a refused
// form by their names on the form, and anything else as the console says it.
import { i18n } from '../../i18n';
import { errorText, fieldText } from '../../api/errors';
import type { ApiError } from '../../api/client';

/** The words for one field: `/body/numbers/ratingDays/days` → 评价期限, `/body/days/3/kind` → 第 4 行. */
function fieldName(pointer: string): string {
  const { t, te } = i18n.global;
  const parts = pointer.split('/').filter(Boolean).slice(1); // without 'body'
  // Issue 14: a detection threshold by its signal and field (刷好评识别阈值 · 秒办秒评 · 条数); the replacement's deadline and group size.
  if (parts[0] === 'numbers' && parts[1] === 'detection' && parts[2] && te(`policy.detection.names.${parts[2]}`))
    return [
      t('policy.detection.title'),
      t(`policy.detection.names.${parts[2]}`),
      ...(parts[3] && te(`policy.detection.fields.${parts[3]}`) ? [t(`policy.detection.fields.${parts[3]}`)] : []),
    ].join(' · ');
  if (parts[0] === 'numbers' && parts[1] === 'replacement' && parts[2] === 'deadlineDays') return t('policy.names.replacementDeadline');
  if (parts[0] === 'numbers' && parts[1] === 'replacement' && parts[2] === 'minGroupStaff') return t('policy.names.minGroupStaff');
  if (parts[0] === 'numbers' && parts[1] && te(`policy.names.${parts[1]}`)) return t(`policy.names.${parts[1]}`);
  if (parts[0] === 'days' && parts[1] !== undefined && /^\d+$/.test(parts[1])) return t('policy.calendar.line', { line: Number(parts[1]) + 1 });
  if (parts[0] && te(`policy.fields.${parts[0]}`)) return t(`policy.fields.${parts[0]}`);
  return pointer;
}

export function policyErrorText(body: unknown, response: Response | undefined, today = ''): string {
  const { t } = i18n.global;
  const error = (body as ApiError | undefined)?.error;
  if (response && error) {
    if (error.id === 'policy_effective_in_past') return t('policy.errors.policy_effective_in_past', { today });
    if (error.id === 'calendar_past_day_changed')
      return t('policy.errors.calendar_past_day_changed', { day: /\d{4}-\d{2}-\d{2}/.exec(error.message)?.[0] ?? '' });
    if (error.id === 'calendar_year_missing') return t('policy.errors.calendar_year_missing', { year: /\d{4}/.exec(error.message)?.[0] ?? '' });
    if (error.fields?.length) return error.fields.map((f) => `${fieldName(f.field)}：${fieldText(f.message)}`).join('；');
  }
  return errorText(body, response);
}
