// R6: text review (审核) of a negative rating whose rater ticked tags or wrote
// text. The supervisory department of the agency's region approves it, or
// rejects it as not genuine service feedback (the rating is voided and the
// rater told). Review ends within 15 natural days (the policy's reviewDays);
// one not reviewed in time is deemed approved by the supervision-deadlines job.
import { refuse, type Machine } from './machine.ts';

export const REVIEW_STATES = ['pending', 'approved', 'deemed_approved', 'rejected', 'cancelled'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];
export const REVIEW_EVENTS = ['submit', 'approve', 'reject', 'deem', 'cancel'] as const;
export type ReviewEvent = (typeof REVIEW_EVENTS)[number];

/** R6: why a rating is not genuine service feedback. */
export const REJECTION_CATEGORIES = { abuse: '辱骂攻击', advertising: '广告推销', unrelated: '与服务无关', duplicate: '重复评价' } as const;
export type RejectionCategory = keyof typeof REJECTION_CATEGORIES;

export interface ReviewFacts {
  dueAt: Date;
}

const beforeDeadline = (f: ReviewFacts, _a: unknown, now: Date) =>
  now.getTime() < f.dueAt.getTime() ? null : refuse('deadline_passed', 'conflict', 'The 15-day review period is over: the rating is deemed approved (R6)');

export const review: Machine<ReviewState, ReviewEvent, ReviewFacts, unknown> = {
  workflow: 'review',
  states: REVIEW_STATES,
  events: REVIEW_EVENTS,
  final: ['approved', 'deemed_approved', 'rejected', 'cancelled'],
  transitions: [
    { from: 'none', event: 'submit', to: 'pending', by: ['system'] },
    { from: 'pending', event: 'approve', to: 'approved', by: ['supervisor'], guard: beforeDeadline },
    { from: 'pending', event: 'reject', to: 'rejected', by: ['supervisor'], guard: beforeDeadline },
    {
      from: 'pending',
      event: 'deem',
      to: 'deemed_approved',
      by: ['system'],
      guard: (f, _a, now) =>
        now.getTime() >= f.dueAt.getTime() ? null : refuse('deadline_not_reached', 'conflict', 'The review period is still running (R6)'),
    },
    // The rating was voided or revoked another way (an upheld appeal).
    { from: 'pending', event: 'cancel', to: 'cancelled', by: ['system'] },
  ],
};
