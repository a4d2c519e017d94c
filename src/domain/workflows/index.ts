// The workflows of the supervision loop (issue 13), by name.
import { appeal } from './appeal.ts';
import type { Machine } from './machine.ts';
import { rectification } from './rectification.ts';
import { review } from './review.ts';
import { revocation } from './revocation.ts';
import { verification } from './verification.ts';
import { investigation, keyTarget, replacement } from './findings.ts';

export const WORKFLOWS = { review, verification, revocation, rectification, appeal } as const;
export type WorkflowName = keyof typeof WORKFLOWS;
export const WORKFLOW_NAMES = Object.keys(WORKFLOWS) as WorkflowName[];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMachine = Machine<string, string, any, any>;
export const machineOf = (name: WorkflowName): AnyMachine => WORKFLOWS[name] as AnyMachine;

/** What the platform finds on its own (issue 14): workflows about a subject, not one rating (src/app/findings.ts). */
export const FINDING_WORKFLOWS = { investigation, key_target: keyTarget, replacement } as const;
export type FindingWorkflowName = keyof typeof FINDING_WORKFLOWS;
export const FINDING_WORKFLOW_NAMES = Object.keys(FINDING_WORKFLOWS) as FindingWorkflowName[];
export const findingMachineOf = (name: FindingWorkflowName): AnyMachine => FINDING_WORKFLOWS[name] as AnyMachine;
