// The workflows of the supervision loop (issue 13), by name.
import { appeal } from './appeal.ts';
import type { Machine } from './machine.ts';
import { rectification } from './rectification.ts';
import { review } from './review.ts';
import { revocation } from './revocation.ts';
import { verification } from './verification.ts';

export const WORKFLOWS = { review, verification, revocation, rectification, appeal } as const;
export type WorkflowName = keyof typeof WORKFLOWS;
export const WORKFLOW_NAMES = Object.keys(WORKFLOWS) as WorkflowName[];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMachine = Machine<string, string, any, any>;
export const machineOf = (name: WorkflowName): AnyMachine => WORKFLOWS[name] as AnyMachine;
