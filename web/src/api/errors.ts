// What an error answer means to the person in front of the screen: the
// API's message for the problem, and for the network or rate limit a
// sentence saying what to do next (in the user's language).
import { i18n } from '../i18n';
import type { ApiError } from './client';
import { problemText } from '../problems';

/** The API's words about one field, in the user's language (see problems.ts). */
export const fieldText = (message: string): string => problemText(message);

export function errorText(body: unknown, response?: Response): string {
  const { t, te } = i18n.global;
  if (!response) return t('errors.network');
  const seconds = response.headers.get('retry-after') ?? '60';
  if (response.status === 429) return t('errors.tooMany', { seconds });
  const error = (body as ApiError | undefined)?.error;
  // A known error id in the user's language, saying what to do next; else the API's own words.
  // Ids of one family share a message: agency_already_exists, staff_not_found…
  if (error?.id === 'validation_failed' && error.fields?.length) {
    // Each field by its name in the forms (名称, 所属机构…) where it has one.
    const named = (field: string) => (te(`org.fields.${field}`) ? t(`org.fields.${field}`) : te(`apiFields.${field}`) ? t(`apiFields.${field}`) : field);
    const list = error.fields.map((f) => `${named(f.field.split('/').pop() ?? '')}（${fieldText(f.message)}）`).join('、');
    return t('apiErrors.fieldsWrong', { count: error.fields.length, list });
  }
  if (error?.id === 'calendar_year_missing') {
    // The API names the year in English ("…has no year 2027…"): say which one where it can be read.
    const year = /\b\d{4}\b/.exec(error.message ?? '')?.[0];
    return year ? t('apiErrors.calendar_year_missing_year', { year }) : t('apiErrors.calendar_year_missing');
  }
  const id = error?.id.endsWith('_already_exists') ? 'already_exists' : error?.id.endsWith('_not_found') ? 'not_found' : error?.id;
  if (error && te(`apiErrors.${id}`)) return t(`apiErrors.${id}`, { message: error.message, seconds });
  return t('errors.generic', { message: error?.message ?? `HTTP ${response.status}` });
}
