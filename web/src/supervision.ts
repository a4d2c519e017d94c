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

/**
 * Why an item has no deadline, where the API recorded one (`details.deadlineProblem`:
 * its words when the holiday calendar lacked a year): "期限待定：节假日日历缺 2027 年".
 * Empty when there is no such problem.
 */
export function deadlineProblemText(details: unknown): string {
  const { t } = i18n.global;
  const problem = (details as { deadlineProblem?: unknown } | null | undefined)?.deadlineProblem;
  if (typeof problem !== 'string' || !problem) return '';
  const year = /\b\d{4}\b/.exec(problem)?.[0];
  return year ? t('supervision.deadlinePending', { year }) : t('supervision.deadlinePendingOther', { message: problem });
}

/**
 * The fields of an item the API has lately gained, read whether or not the
 * generated types know them yet: the agency's appeal deadline (verification
 * items) and the name of the region an item was escalated to.
 */
export function itemExtras(item: ItemDetail): { appealUntil: string | null; escalatedToName: string | null } {
  const extra = item as { appealUntil?: string | null; names?: { escalatedTo?: string | null } };
  return { appealUntil: extra.appealUntil ?? null, escalatedToName: extra.names?.escalatedTo ?? null };
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

/** The longest text the API takes for each field of a step (its schema: the explanation to the rater goes by SMS). */
export const FIELD_MAX: Record<Exclude<StepField, 'category' | 'cause' | 'newDueAt'>, number> = {
  reason: 2000,
  findings: 2000,
  explanation: 500,
  measures: 2000,
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

/** Evidence the API takes (R11, R12): PDF, PNG or JPEG, at most 5 MB (it checks the type from the content again). */
export const ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024;
const ATTACHMENT_TYPES = ['application/pdf', 'image/png', 'image/jpeg'];
const ATTACHMENT_EXTENSIONS = /\.(pdf|png|jpe?g)$/i;

/** Why a file would be refused, before it is sent: too large, or not a PDF, PNG or JPEG; null when it may go. */
export function attachmentProblem(file: { name: string; size: number; type: string }): 'tooLarge' | 'wrongType' | null {
  // A browser that knows no type for the file (type '') goes by its name's extension.
  const known = file.type ? ATTACHMENT_TYPES.includes(file.type.toLowerCase()) : ATTACHMENT_EXTENSIONS.test(file.name);
  if (!known) return 'wrongType';
  if (file.size > ATTACHMENT_MAX_BYTES) return 'tooLarge';
  return null;
}

/** A file size a person reads: 1.2 MB, 340 KB. */
export const fileSize = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);
