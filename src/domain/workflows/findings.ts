// What the platform finds on its own (issue 14), as workflows of the
// supervision loop's pattern (machine.ts): one transition table each.
//
// - investigation (R10): signals of faked good ratings about one subject
//   (a window, a staff member, a rater, a source) are held for the
//   supervisory department, who confirms (the ratings chosen are voided and
//   a violation recorded against the agency or a staff member) or dismisses
//   with a reason. Until confirmed, flagged ratings keep counting.
// - key_target (R11): a staff member, agency, business line or region whose
//   ratings below "basically satisfied" are concentrated in a month; it gets
//   follow-up visits (回访), a root cause, measures and a deadline, and is
//   closed by the supervisor.
// - replacement (R11): a staff member at the bottom of their ranking group
//   for M consecutive months after being a key target; the agency deals with
//   it within a deadline; it closes on a transfer or a recovery and is
//   escalated to the supervisor when overdue.
import { escalateGuard, flagOverdueGuard, refuse, type Machine } from './machine.ts';

/** R11 is silent on how long measures may take: at most this many natural days from when they are set (docs/decisions.md). */
export const MEASURES_MAX_DAYS = 90;

export interface FindingFacts {
  dueAt: Date;
  overdue: boolean;
  escalated: boolean;
  /** key_target: follow-up visits recorded so far. */
  visits: number;
}

export interface FindingInput {
  /** key_target set_measures: the deadline of the measures. */
  dueAt?: Date;
}

export const INVESTIGATION_STATES = ['open', 'confirmed', 'dismissed'] as const;
export type InvestigationState = (typeof INVESTIGATION_STATES)[number];
export const INVESTIGATION_EVENTS = ['open', 'attach', 'confirm', 'dismiss'] as const;
export type InvestigationEvent = (typeof INVESTIGATION_EVENTS)[number];

export const investigation: Machine<InvestigationState, InvestigationEvent, FindingFacts, FindingInput> = {
  workflow: 'investigation',
  states: INVESTIGATION_STATES,
  events: INVESTIGATION_EVENTS,
  final: ['confirmed', 'dismissed'],
  transitions: [
    { from: 'none', event: 'open', to: 'open', by: ['system'] },
    // New signals about the same subject join the open investigation.
    { from: 'open', event: 'attach', to: 'open', by: ['system'] },
    { from: 'open', event: 'confirm', to: 'confirmed', by: ['supervisor'] },
    { from: 'open', event: 'dismiss', to: 'dismissed', by: ['supervisor'] },
  ],
};

export const KEY_TARGET_STATES = ['open', 'rectifying', 'closed'] as const;
export type KeyTargetState = (typeof KEY_TARGET_STATES)[number];
export const KEY_TARGET_EVENTS = ['open', 'visit', 'set_measures', 'flag_overdue', 'close'] as const;
export type KeyTargetEvent = (typeof KEY_TARGET_EVENTS)[number];

const measuresDeadline = (f: FindingFacts, now: Date, i: FindingInput) =>
  !i.dueAt || i.dueAt.getTime() <= now.getTime()
    ? refuse('deadline_not_later', 'invalid', 'The deadline of the measures must be later than now (R11)')
    : i.dueAt.getTime() > now.getTime() + MEASURES_MAX_DAYS * 86_400_000
      ? refuse('extension_too_long', 'invalid', `Measures are given at most ${MEASURES_MAX_DAYS} days`)
      : null;

export const keyTarget: Machine<KeyTargetState, KeyTargetEvent, FindingFacts, FindingInput> = {
  workflow: 'key_target',
  states: KEY_TARGET_STATES,
  events: KEY_TARGET_EVENTS,
  final: ['closed'],
  transitions: [
    { from: 'none', event: 'open', to: 'open', by: ['system'] },
    // R11: follow-up visits (回访): who was called, when, what they said — before and while the measures run.
    { from: 'open', event: 'visit', to: 'open', by: ['supervisor', 'agency'] },
    { from: 'rectifying', event: 'visit', to: 'rectifying', by: ['supervisor', 'agency'] },
    // R11: the root cause, the target's measures and their deadline (set again while they run, e.g. revised measures).
    { from: 'open', event: 'set_measures', to: 'rectifying', by: ['agency', 'supervisor'], guard: (f, _a, now, i) => measuresDeadline(f, now, i) },
    {
      from: 'rectifying',
      event: 'set_measures',
      to: 'rectifying',
      by: ['agency', 'supervisor'],
      guard: (f, _a, now, i) =>
        now.getTime() >= f.dueAt.getTime()
          ? refuse('extension_too_late', 'conflict', 'The measures are overdue: they are revised before their deadline passes')
          : measuresDeadline(f, now, i),
    },
    {
      from: 'rectifying',
      event: 'flag_overdue',
      to: 'rectifying',
      by: ['system'],
      guard: flagOverdueGuard('The measures are not due yet'),
    },
    // R11: tracked to closure by the supervisor, once the target was visited.
    {
      from: 'rectifying',
      event: 'close',
      to: 'closed',
      by: ['supervisor'],
      guard: (f) => (f.visits > 0 ? null : refuse('visit_missing', 'conflict', 'A key target is closed after at least one follow-up visit (回访, R11)')),
    },
  ],
};

export const REPLACEMENT_STATES = ['open', 'closed'] as const;
export type ReplacementState = (typeof REPLACEMENT_STATES)[number];
export const REPLACEMENT_EVENTS = ['open', 'plan', 'transfer', 'recover', 'flag_overdue', 'escalate'] as const;
export type ReplacementEvent = (typeof REPLACEMENT_EVENTS)[number];

export const replacement: Machine<ReplacementState, ReplacementEvent, FindingFacts, FindingInput> = {
  workflow: 'replacement',
  states: REPLACEMENT_STATES,
  events: REPLACEMENT_EVENTS,
  final: ['closed'],
  transitions: [
    { from: 'none', event: 'open', to: 'open', by: ['system'] },
    // The agency says what it is doing (a planned move, training…); the flag stays until a transfer or a recovery.
    { from: 'open', event: 'plan', to: 'open', by: ['agency'] },
    // Seen by the job: the staff member was moved (a transfer in the organisation) …
    { from: 'open', event: 'transfer', to: 'closed', by: ['system'] },
    // … or left the bottom for a full period.
    { from: 'open', event: 'recover', to: 'closed', by: ['system'] },
    {
      from: 'open',
      event: 'flag_overdue',
      to: 'open',
      by: ['system'],
      guard: flagOverdueGuard('The replacement is not due yet'),
    },
    {
      from: 'open',
      event: 'escalate',
      to: 'open',
      by: ['system'],
      guard: escalateGuard('Only an overdue replacement is escalated'),
    },
  ],
};
