// 申诉复核 (the national rules; docs/rules.md "Glossary"): an agency that
// believes a rating against it mistaken or malicious appeals it, once, with
// evidence, within 5 working days (the policy's appealDays) of being
// notified; the supervisory department decides. An upheld appeal voids the
// rating, and the rater is told.
import { refuse, type Machine } from './machine.ts';

export const APPEAL_STATES = ['filed', 'upheld', 'dismissed', 'cancelled'] as const;
export type AppealState = (typeof APPEAL_STATES)[number];
export const APPEAL_EVENTS = ['file', 'uphold', 'dismiss', 'cancel'] as const;
export type AppealEvent = (typeof APPEAL_EVENTS)[number];

export interface AppealFacts {
  /** The end of the days to appeal: appealDays after the agency was notified. */
  appealUntil: Date;
}

export const appeal: Machine<AppealState, AppealEvent, AppealFacts, unknown> = {
  workflow: 'appeal',
  states: APPEAL_STATES,
  events: APPEAL_EVENTS,
  final: ['upheld', 'dismissed', 'cancelled'],
  transitions: [
    {
      from: 'none',
      event: 'file',
      to: 'filed',
      by: ['agency'],
      guard: (f, _a, now) =>
        now.getTime() < f.appealUntil.getTime() ? null : refuse('appeal_period_over', 'conflict', 'The 5 working days to appeal are over'),
    },
    { from: 'filed', event: 'uphold', to: 'upheld', by: ['supervisor'] },
    { from: 'filed', event: 'dismiss', to: 'dismissed', by: ['supervisor'] },
    { from: 'filed', event: 'cancel', to: 'cancelled', by: ['system'] },
  ],
};
