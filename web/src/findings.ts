// 发现与核查 (issue 14): what the findings pages share — the API's types,
// who sees which workflow, the words for a finding's state, subject and
// evidence, what each step's form asks for, and an error answer in the
// user's language. The rules (the signals, the suspicion, who may take which
// step, deadlines, overdue) stay on the server: the pages show `score`,
// `allowedSteps` and `overdue` as the API gives them.
import { i18n } from './i18n';
import type { ApiError } from './api/client';
import type { paths } from './api/schema';
import { formatDateTime, formatShare } from './format';
import { SUPERVISION_ROLES, supervisionErrorText } from './supervision';

type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

export type FindingPage = Json<paths['/api/v1/findings']['get']['responses'][200]>;
export type FindingRow = FindingPage['items'][number];
export type FindingDetail = Json<paths['/api/v1/findings/{id}']['get']['responses'][200]>;
export type Investigation = NonNullable<FindingDetail['investigation']>;
export type FlaggedRating = Investigation['ratings'][number];
export type PeerMonth = Investigation['peers'][number];
export type FindingStepBody = paths['/api/v1/findings/{id}/steps']['post']['requestBody']['content']['application/json'];
export type FindingsSummary = Json<paths['/api/v1/findings/summary']['get']['responses'][200]>;

export const FINDING_WORKFLOWS = ['investigation', 'key_target', 'replacement'] as const;
export type FindingWorkflow = (typeof FINDING_WORKFLOWS)[number];
export const isFindingWorkflow = (w: unknown): w is FindingWorkflow => FINDING_WORKFLOWS.includes(w as FindingWorkflow);

/** The roles that open 发现与核查: those of 督办 (R2). */
export const FINDING_ROLES = SUPERVISION_ROLES;
/** R10: investigations are read by supervisory departments, auditors and admins — never by the agency under suspicion. */
export const INVESTIGATION_ROLES = ['admin', 'supervisor', 'auditor'];

/** The workflows a role sees, in the order of the tabs. */
export const workflowsFor = (role: string | undefined): FindingWorkflow[] =>
  FINDING_WORKFLOWS.filter((w) => w !== 'investigation' || INVESTIGATION_ROLES.includes(role ?? ''));

/** A state in words (the API's state code when the locale has none). */
export function findingStateText(workflow: string, state: string): string {
  const { t, te } = i18n.global;
  const key = `findings.states.${workflow}.${state}`;
  return te(key) ? t(key) : state;
}

/** A step or system event in words. */
export function findingEventText(workflow: string, event: string): string {
  const { t, te } = i18n.global;
  const key = `findings.events.${workflow}.${event}`;
  return te(key) ? t(key) : event;
}

/** What a finding is about: 窗口, 工作人员, 机构…; the API's type when the locale has none. */
export function subjectTypeText(type: string): string {
  const { t, te } = i18n.global;
  return te(`findings.subjects.${type}`) ? t(`findings.subjects.${type}`) : type;
}

/** A suspicion (0–1) as people read it: "70%" ("—" when there is none). */
export const suspicionText = (score: number | null | undefined) => (score === null || score === undefined ? '—' : `${Math.round(score * 100)}%`);

/** A signal's kind in the user's language; the API's Chinese name otherwise. */
export function signalKindText(kind: string, kindName: string): string {
  const { t, te } = i18n.global;
  return te(`findings.signals.kinds.${kind}`) ? t(`findings.signals.kinds.${kind}`) : kindName;
}

/** A key target's month (its period) as people say it: 2026年10月, or the days when they are not one month. */
export function periodText(start: string | null, end: string | null): string {
  const { t } = i18n.global;
  if (!start) return '—';
  const [y, m] = start.split('-').map(Number);
  if (end && end.slice(0, 7) !== start.slice(0, 7)) return t('findings.periodRange', { from: start.slice(0, 7), to: end.slice(0, 7) });
  return t('findings.month', { year: y, month: m, mm: String(m).padStart(2, '0') });
}

/** R11: a key target listed again the month after: "连续第 N 期"; empty the first time. */
export function streakText(details: unknown): string {
  const d = details as { repeated?: unknown; streak?: unknown } | null | undefined;
  const streak = typeof d?.streak === 'number' ? d.streak : 0;
  return d?.repeated && streak > 1 ? i18n.global.t('findings.streak', { n: streak }) : '';
}

// ——— the evidence of a signal ———

const TIME_KEYS = /At$/;
const SHARE_KEYS = new Set(['share', 'peerRate']);

/**
 * A signal's evidence as rows of a small key/value table, in the order the
 * API gave them: each figure by its name on the page where it has one,
 * times in China time, shares as percentages, p-values as 1.2e-7, lists
 * joined; the short prefixes of keyed hashes as they are (R9).
 */
export function evidenceRows(evidence: Record<string, unknown>, locale = 'zh-CN'): { key: string; label: string; value: string }[] {
  const { t, te } = i18n.global;
  const label = (key: string) => (te(`findings.evidence.${key}`) ? t(`findings.evidence.${key}`) : key);
  const channel = (c: unknown) => (te(`channels.${String(c)}`) ? t(`channels.${String(c)}`) : String(c));
  const value = (key: string, v: unknown): string => {
    if (v === null || v === undefined || v === '') return '—';
    if (typeof v === 'string' && TIME_KEYS.test(key) && !Number.isNaN(Date.parse(v))) return formatDateTime(v, locale);
    if (typeof v === 'number' && key === 'pValue') return v < 0.001 ? v.toExponential(1) : v.toFixed(3);
    if (typeof v === 'number' && SHARE_KEYS.has(key)) return formatShare(v);
    if (typeof v === 'boolean') return v ? t('findings.yes') : t('findings.no');
    if (Array.isArray(v)) return v.length ? v.map((x) => (key === 'channels' ? channel(x) : String(x))).join('、') : '—';
    if (key === 'via') return te(`findings.evidence.vias.${String(v)}`) ? t(`findings.evidence.vias.${String(v)}`) : String(v);
    if (typeof v === 'object') {
      // The days before and after a verified negative rating: { active, verySatisfied, share }.
      const o = v as { active?: number; verySatisfied?: number; share?: number | null };
      if (typeof o.active === 'number')
        return t('findings.evidence.beforeAfter', { active: o.active, very: o.verySatisfied ?? 0, share: formatShare(o.share) });
      return JSON.stringify(v);
    }
    return String(v);
  };
  return Object.entries(evidence).map(([key, v]) => ({ key, label: label(key), value: value(key, v) }));
}

// ——— the steps ———

export type FindingField = 'reason' | 'against' | 'ratingIds' | 'visited' | 'visitedAt' | 'said' | 'rootCause' | 'measures' | 'dueAt';

/**
 * What each step's form asks for, and what must be filled (the API checks it
 * again and names any field it refuses). Only steps the API lists in
 * `allowedSteps` are ever offered.
 */
export const FINDING_STEPS: Record<string, { fields: FindingField[]; required: FindingField[]; type: 'primary' | 'danger' | 'warning' | 'default' }> = {
  'investigation.confirm': { fields: ['reason', 'against', 'ratingIds'], required: ['reason'], type: 'danger' },
  'investigation.dismiss': { fields: ['reason'], required: ['reason'], type: 'default' },
  'key_target.visit': { fields: ['visited', 'visitedAt', 'said'], required: ['visited', 'visitedAt', 'said'], type: 'primary' },
  'key_target.set_measures': { fields: ['rootCause', 'measures', 'dueAt'], required: ['rootCause', 'measures', 'dueAt'], type: 'warning' },
  'key_target.close': { fields: ['reason'], required: ['reason'], type: 'default' },
  'replacement.plan': { fields: ['reason'], required: ['reason'], type: 'primary' },
};

export interface StepValues {
  reason: string;
  against: 'agency' | 'staff';
  staffId: number | null;
  /** confirm: the flagged ratings chosen to be voided. */
  ratingIds: number[];
  visited: string;
  visitedAt: string;
  said: string;
  rootCause: string;
  measures: string;
  dueAt: string;
}

/**
 * The body of a step: the fields of its form, trimmed, left out when empty.
 * A confirmation names its ratings only when some were left out: without
 * them, the API voids every flagged rating that still counts, the default
 * the form starts from.
 */
export function stepBody(workflow: string, event: string, version: number, values: StepValues, counting: readonly number[]): FindingStepBody {
  const body: FindingStepBody = { event, version };
  const form = FINDING_STEPS[`${workflow}.${event}`];
  for (const field of form?.fields ?? []) {
    if (field === 'against') {
      body.against = values.against;
      if (values.against === 'staff' && values.staffId) body.staffId = values.staffId;
    } else if (field === 'ratingIds') {
      const chosen = [...new Set(values.ratingIds)].sort((a, b) => a - b);
      const all = [...counting].sort((a, b) => a - b);
      if (chosen.length !== all.length || chosen.some((id, i) => id !== all[i])) body.ratingIds = chosen;
    } else {
      const text = values[field].trim();
      if (text) Object.assign(body, { [field]: text });
    }
  }
  return body;
}

/** An error answer of the findings API in the user's language: its own ids first, then 督办's, then the console's. */
export function findingErrorText(body: unknown, response?: Response): string {
  const { t, te } = i18n.global;
  const error = (body as ApiError | undefined)?.error;
  if (response && error && te(`findings.errors.${error.id}`)) return t(`findings.errors.${error.id}`, { message: error.message });
  return supervisionErrorText(body, response);
}

/** The flagged ratings still counting: what a confirmation voids by default. */
export const countingIds = (ratings: readonly FlaggedRating[]) => ratings.filter((r) => r.counts).map((r) => r.id);
