// R12: every negative rating, once through review (or at once, when there is
// nothing to review), is verified (核实) with findings: confirmed (→ a
// rectification), an objective cause not the window's doing (→ a revocation
// proposal, R11), or unfounded (the rating stands; the explanation goes back
// to the rater).
import type { Machine } from './machine.ts';

export const VERIFICATION_STATES = ['pending', 'confirmed', 'objective', 'revoked', 'unfounded', 'cancelled'] as const;
export type VerificationState = (typeof VERIFICATION_STATES)[number];
export const VERIFICATION_EVENTS = ['open', 'confirm', 'find_objective', 'find_unfounded', 'reconsider', 'revoke', 'cancel'] as const;
export type VerificationEvent = (typeof VERIFICATION_EVENTS)[number];

/** R11: the objective causes a revocation may rest on. */
export const OBJECTIVE_CAUSES = { it_fault: '信息系统故障', other: '其他非窗口原因' } as const;
export type ObjectiveCause = keyof typeof OBJECTIVE_CAUSES;

export const verification: Machine<VerificationState, VerificationEvent, unknown, unknown> = {
  workflow: 'verification',
  states: VERIFICATION_STATES,
  events: VERIFICATION_EVENTS,
  final: ['confirmed', 'revoked', 'unfounded', 'cancelled'],
  transitions: [
    { from: 'none', event: 'open', to: 'pending', by: ['system'] },
    { from: 'pending', event: 'confirm', to: 'confirmed', by: ['supervisor'] },
    { from: 'pending', event: 'find_objective', to: 'objective', by: ['supervisor'] },
    { from: 'pending', event: 'find_unfounded', to: 'unfounded', by: ['supervisor'] },
    // The revocation it proposed was rejected or withdrawn: verify again.
    { from: 'objective', event: 'reconsider', to: 'pending', by: ['system'] },
    // The revocation it proposed was approved.
    { from: 'objective', event: 'revoke', to: 'revoked', by: ['system'] },
    { from: 'pending', event: 'cancel', to: 'cancelled', by: ['system'] },
    { from: 'objective', event: 'cancel', to: 'cancelled', by: ['system'] },
  ],
};
