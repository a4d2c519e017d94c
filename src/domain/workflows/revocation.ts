// R11: a negative rating caused by an IT-system fault or another objective
// cause is revoked (撤销) once confirmed, under a two-person rule: one
// supervisory user proposes with cause and evidence; a second one, not the
// proposer, with the same or a higher scope, approves or rejects. Approval
// excludes the rating from scores (the ledger's `revoked` event).
import { pathWithin } from '../access.ts';
import { refuse, type Machine, type StepActor } from './machine.ts';

export const REVOCATION_STATES = ['proposed', 'approved', 'rejected', 'withdrawn', 'cancelled'] as const;
export type RevocationState = (typeof REVOCATION_STATES)[number];
export const REVOCATION_EVENTS = ['propose', 'approve', 'reject', 'withdraw', 'cancel'] as const;
export type RevocationEvent = (typeof REVOCATION_EVENTS)[number];

export interface RevocationFacts {
  /** The proposer. */
  startedBy: number | null;
  /** The region path of the proposer's scope when they proposed (null: not a region scope). */
  proposerScopePath: string | null;
}

/** R11: a second person, whose scope is the proposer's or one above it (their region holds the proposer's). */
const secondPerson = (f: RevocationFacts, a: StepActor) =>
  a.userId === undefined || a.userId === f.startedBy
    ? refuse('same_person', 'forbidden', 'A revocation is decided by a second person, not the one who proposed it (R11)')
    : f.proposerScopePath !== null && (a.scopePath === undefined || !pathWithin(f.proposerScopePath, a.scopePath))
      ? refuse('scope_below_proposer', 'forbidden', 'A revocation is decided by a supervisor of the same or a higher level than the proposer (R11)')
      : null;

export const revocation: Machine<RevocationState, RevocationEvent, RevocationFacts, unknown> = {
  workflow: 'revocation',
  states: REVOCATION_STATES,
  events: REVOCATION_EVENTS,
  final: ['approved', 'rejected', 'withdrawn', 'cancelled'],
  transitions: [
    { from: 'none', event: 'propose', to: 'proposed', by: ['supervisor'] },
    { from: 'proposed', event: 'approve', to: 'approved', by: ['supervisor'], guard: secondPerson },
    { from: 'proposed', event: 'reject', to: 'rejected', by: ['supervisor'], guard: secondPerson },
    {
      from: 'proposed',
      event: 'withdraw',
      to: 'withdrawn',
      by: ['supervisor'],
      guard: (f, a) =>
        a.userId !== undefined && a.userId === f.startedBy ? null : refuse('not_the_proposer', 'forbidden', 'Only the proposer withdraws a proposal'),
    },
    { from: 'proposed', event: 'cancel', to: 'cancelled', by: ['system'] },
  ],
};
