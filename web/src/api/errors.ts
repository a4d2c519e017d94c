// What an error answer means to the person in front of the screen: the
// API's message for the problem, and for the network or rate limit a
// sentence saying what to do next (in the user's language).
import { i18n } from '../i18n';
import type { ApiError } from './client';

export function errorText(body: unknown, response?: Response): string {
  const t = i18n.global.t;
  if (!response) return t('errors.network');
  if (response.status === 429) return t('errors.tooMany', { seconds: response.headers.get('retry-after') ?? '60' });
  const message = (body as ApiError | undefined)?.error?.message;
  return t('errors.generic', { message: message ?? `HTTP ${response.status}` });
}
