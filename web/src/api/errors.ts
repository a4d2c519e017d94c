// What an error answer means to the person in front of the screen: the
// API's message for the problem, and for the network or rate limit a
// sentence saying what to do next (in the user's language).
import { i18n } from '../i18n';
import type { ApiError } from './client';

export function errorText(body: unknown, response?: Response): string {
  const { t, te } = i18n.global;
  if (!response) return t('errors.network');
  const seconds = response.headers.get('retry-after') ?? '60';
  if (response.status === 429) return t('errors.tooMany', { seconds });
  const error = (body as ApiError | undefined)?.error;
  // A known error id in the user's language, saying what to do next; else the API's own words.
  if (error && te(`apiErrors.${error.id}`)) return t(`apiErrors.${error.id}`, { message: error.message, seconds });
  return t('errors.generic', { message: error?.message ?? `HTTP ${response.status}` });
}
