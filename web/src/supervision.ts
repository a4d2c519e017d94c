// 督办 (issue 13): what the supervision pages share — the API's types, the
// words for a deadline, which fields each step's form asks for, and an
// error answer in the user's language. The rules (who may take which step,
// deadlines, overdue) stay on the server: the pages show `allowedSteps`,
// `daysLeft` and `overdue` as the API gives them.
import { i18n } from './i18n';
import { errorText, fieldText } from './api/errors';
import type { ApiError } from './api/client';
import type { paths } from './api/schema';

type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

export type QueuePage = Json<paths['/api/v1/supervision/items']['get']['responses'][200]>;
export type QueueItem = QueuePage['items'][number];
export type ItemDetail = Json<paths['/api/v1/supervision/items/{id}']['get']['responses'][200]>;
export type StepBody = paths['/api/v1/supervision/items/{id}/steps']['post']['requestBody']['content']['application/json'];
export type Summary = Json<paths['/api/v1/supervision/summary']['get']['responses'][200]>;
export type Incident = Json<paths['/api/v1/incidents/{id}']['get']['responses'][200]>;

export const WORKFLOWS = ['review', 'verification', 'revocation', 'rectification', 'appeal'] as const;
export type Workflow = (typeof WORKFLOWS)[number];
export const isWorkflow = (w: unknown): w is Workflow => WORKFLOWS.includes(w as Workflow);

/** The roles that open 督办 (R2): supervisors decide, agencies rectify and appeal, the others read. */
export const SUPERVISION_ROLES = ['admin', 'supervisor', 'line_manager', 'agency_manager', 'auditor'];

/** Time left to a deadline in words: the API's China days (negative once past). */
export function daysLeftText(daysLeft: number | null | undefined): string {
  const { t } = i18n.global;
  if (daysLeft === null || daysLeft === undefined) return '—';
  if (daysLeft < 0) return t('supervision.overdueBy', { n: -daysLeft });
  if (daysLeft === 0) return t('supervision.dueToday');
  return t('supervision.daysLeft', { n: daysLeft });
}

/** A state in words (the API's state code when the locale has none). */
export function stateText(workflow: string, state: string): string {
  const { t, te } = i18n.global;
  const key = `supervision.states.${workflow}.${state}`;
  return te(key) ? t(key) : state;
}

export type StepField = 'reason' | 'category' | 'findings' | 'cause' | 'explanation' | 'measures' | 'newDueAt';

/**
 * What each step's form asks for, and what must be filled (the API checks it
 * again and names any field it refuses). Only steps the API lists in
 * `allowedSteps` are ever offered.
 */
export const STEP_FORMS: Record<string, { fields: StepField[]; required: StepField[]; type: 'primary' | 'danger' | 'warning' | 'default' }> = {
  'review.approve': { fields: ['reason'], required: [], type: 'primary' },
  'review.reject': { fields: ['category', 'reason'], required: ['category', 'reason'], type: 'danger' },
  'verification.confirm': { fields: ['findings'], required: ['findings'], type: 'primary' },
  'verification.find_objective': { fields: ['cause', 'findings'], required: ['cause', 'findings'], type: 'warning' },
  'verification.find_unfounded': { fields: ['findings', 'explanation'], required: ['findings', 'explanation'], type: 'default' },
  'revocation.approve': { fields: ['reason'], required: [], type: 'primary' },
  'revocation.reject': { fields: ['reason'], required: ['reason'], type: 'danger' },
  'revocation.withdraw': { fields: ['reason'], required: ['reason'], type: 'default' },
  'rectification.extend': { fields: ['newDueAt', 'reason'], required: ['newDueAt', 'reason'], type: 'default' },
  'rectification.complete': { fields: ['measures'], required: ['measures'], type: 'primary' },
  'appeal.uphold': { fields: ['reason'], required: ['reason'], type: 'primary' },
  'appeal.dismiss': { fields: ['reason'], required: ['reason'], type: 'default' },
};

/** R6: why a rating is not genuine feedback; R11: the objective causes (the API's enums). */
export const CATEGORIES: NonNullable<StepBody['category']>[] = ['abuse', 'advertising', 'unrelated', 'duplicate'];
export const CAUSES: NonNullable<StepBody['cause']>[] = ['it_fault', 'other'];

/** An error answer of the supervision API in the user's language: its own ids first, then the console's. */
export function supervisionErrorText(body: unknown, response?: Response): string {
  const { t, te } = i18n.global;
  const error = (body as ApiError | undefined)?.error;
  if (response && error && te(`supervision.errors.${error.id}`)) return t(`supervision.errors.${error.id}`, { message: error.message });
  return errorText(body, response);
}

/** The problems of a 400 answer by field (`/body/findings` → findings), to show under each field. */
export function fieldProblems(body: unknown): Partial<Record<string, string>> {
  const fields = (body as ApiError | undefined)?.error?.fields ?? [];
  // "is required for this step" reads as the console's "必填".
  const words = (message: string) => fieldText(/^is required\b/.test(message) ? 'is required' : message);
  return Object.fromEntries(fields.map((f) => [f.field.split('/').pop() ?? f.field, words(f.message)]));
}

/** A file size a person reads: 1.2 MB, 340 KB. */
export const fileSize = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);
