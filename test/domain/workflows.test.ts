// Issue 13: every transition of every workflow, allowed and refused, is
// tested from its table: for each state (and `none`) × event × party, `next`
// must give the table's answer; each guarded row must pass with the facts it
// needs and refuse, with its typed id, each way it can fail (boundaries
// written out). A row added to a table without cases here fails this test.
import { describe, expect, it } from 'vitest';
import { next, eventsFrom, type Party, type StepActor, type RefusalId } from '../../src/domain/workflows/machine.ts';
import { FINDING_WORKFLOW_NAMES, FINDING_WORKFLOWS, WORKFLOWS, WORKFLOW_NAMES, findingMachineOf, machineOf } from '../../src/domain/workflows/index.ts';

const T = new Date('2025-10-01T00:00:00Z');
const at = (ms: number) => new Date(T.getTime() + ms);
const DAY = 86_400_000;
const PARTIES: Party[] = ['supervisor', 'agency', 'rater', 'system'];

interface Case {
  facts?: Record<string, unknown>;
  actor?: Partial<StepActor>;
  now?: Date;
  input?: Record<string, unknown>;
}
interface Fail extends Case {
  refusal: RefusalId;
}

const DEFAULT_FACTS: Record<string, Record<string, unknown>> = {
  review: { dueAt: at(DAY) },
  verification: {},
  revocation: { startedBy: 1, proposerScopePath: '450000000000.450100000000.450102000000' },
  rectification: { dueAt: at(DAY), overdue: false, escalated: false, grade: null, reopened: false, reopenUntil: null },
  appeal: { appealUntil: at(DAY) },
  // Issue 14
  investigation: { dueAt: at(DAY), overdue: false, escalated: false, visits: 0 },
  key_target: { dueAt: at(DAY), overdue: false, escalated: false, visits: 1 },
  replacement: { dueAt: at(DAY), overdue: false, escalated: false, visits: 0 },
};
const DEFAULT_ACTOR = { userId: 2, scopePath: '450000000000.450100000000' };

/** Guarded rows: `workflow:from:event:to` → a passing case and each failing one. */
const GUARDED: Record<string, { pass: Case; fail: Fail[] }> = {
  'review:pending:approve:approved': {
    pass: { now: at(DAY - 1) },
    fail: [{ now: at(DAY), refusal: 'deadline_passed' }],
  },
  'review:pending:reject:rejected': {
    pass: { now: at(DAY - 1) },
    fail: [{ now: at(DAY), refusal: 'deadline_passed' }],
  },
  'review:pending:deem:deemed_approved': {
    pass: { now: at(DAY) },
    fail: [{ now: at(DAY - 1), refusal: 'deadline_not_reached' }],
  },
  'revocation:proposed:approve:approved': {
    pass: { actor: { userId: 2, scopePath: '450000000000.450100000000.450102000000' } },
    fail: [
      { actor: { userId: 1 }, refusal: 'same_person' },
      // A street below the proposer's district, or another district: not the same or a higher scope.
      { actor: { userId: 2, scopePath: '450000000000.450100000000.450102000000.450102001000' }, refusal: 'scope_below_proposer' },
      { actor: { userId: 2, scopePath: '450000000000.450100000000.450103000000' }, refusal: 'scope_below_proposer' },
      { actor: { userId: 2, scopePath: undefined }, refusal: 'scope_below_proposer' },
    ],
  },
  'revocation:proposed:reject:rejected': {
    pass: { actor: { userId: 2, scopePath: '450000000000' } },
    fail: [
      { actor: { userId: 1 }, refusal: 'same_person' },
      { actor: { userId: 2, scopePath: '450000000000.450100000000.450103000000' }, refusal: 'scope_below_proposer' },
    ],
  },
  'revocation:proposed:withdraw:withdrawn': { pass: { actor: { userId: 1 } }, fail: [{ actor: { userId: 2 }, refusal: 'not_the_proposer' }] },
  'rectification:open:extend:open': {
    pass: { input: { newDueAt: at(DAY + 90 * DAY) }, now: at(DAY - 1) },
    fail: [
      { input: { newDueAt: at(DAY) }, refusal: 'deadline_not_later' },
      { input: {}, refusal: 'deadline_not_later' },
      { input: { newDueAt: at(DAY + 90 * DAY + 1) }, refusal: 'extension_too_long' },
      { input: { newDueAt: at(2 * DAY) }, now: at(DAY), refusal: 'extension_too_late' },
    ],
  },
  'rectification:open:flag_overdue:open': {
    pass: { now: at(DAY) },
    fail: [
      { now: at(DAY - 1), refusal: 'deadline_not_reached' },
      { now: at(DAY), facts: { overdue: true }, refusal: 'already_flagged' },
    ],
  },
  'rectification:open:escalate:open': {
    pass: { facts: { overdue: true } },
    fail: [{ refusal: 'deadline_not_reached' }, { facts: { overdue: true, escalated: true }, refusal: 'already_flagged' }],
  },
  'rectification:done:grade:closed': {
    pass: { input: { grade: 'basically_satisfied' } },
    fail: [{ input: { grade: 'satisfied' }, facts: { grade: 'not_satisfied' }, refusal: 'already_graded' }],
  },
  'rectification:done:grade:done': {
    pass: { input: { grade: 'not_satisfied' } },
    fail: [{ input: { grade: 'not_satisfied' }, facts: { grade: 'satisfied' }, refusal: 'already_graded' }],
  },
  'rectification:done:reopen:open': {
    pass: { facts: { grade: 'not_satisfied', reopenUntil: at(7 * DAY) }, now: at(7 * DAY - 1) },
    fail: [
      { facts: { grade: 'not_satisfied', reopenUntil: at(7 * DAY) }, now: at(7 * DAY), refusal: 'reopen_period_over' },
      { facts: { grade: 'not_satisfied', reopenUntil: at(7 * DAY), reopened: true }, refusal: 'already_reopened' },
      { facts: { grade: 'satisfied', reopenUntil: at(7 * DAY) }, refusal: 'not_graded_unsatisfied' },
      { facts: { grade: null, reopenUntil: at(7 * DAY) }, refusal: 'not_graded_unsatisfied' },
    ],
  },
  'rectification:done:close:closed': {
    pass: { facts: { reopenUntil: at(7 * DAY) }, now: at(7 * DAY) },
    fail: [{ facts: { reopenUntil: at(7 * DAY) }, now: at(7 * DAY - 1), refusal: 'deadline_not_reached' }],
  },
  // Issue 14 (R11): measures get a deadline later than now and at most 90 days ahead; revised only before it passes.
  'key_target:open:set_measures:rectifying': {
    pass: { input: { dueAt: at(90 * DAY) } },
    fail: [
      { input: { dueAt: T }, refusal: 'deadline_not_later' },
      { input: {}, refusal: 'deadline_not_later' },
      { input: { dueAt: at(90 * DAY + 1) }, refusal: 'extension_too_long' },
    ],
  },
  'key_target:rectifying:set_measures:rectifying': {
    pass: { input: { dueAt: at(2 * DAY) }, now: at(DAY - 1) },
    fail: [
      { input: { dueAt: at(2 * DAY) }, now: at(DAY), refusal: 'extension_too_late' },
      { input: { dueAt: at(DAY - 1) }, now: at(DAY - 1), refusal: 'deadline_not_later' },
    ],
  },
  'key_target:rectifying:flag_overdue:rectifying': {
    pass: { now: at(DAY) },
    fail: [
      { now: at(DAY - 1), refusal: 'deadline_not_reached' },
      { now: at(DAY), facts: { overdue: true }, refusal: 'already_flagged' },
    ],
  },
  'key_target:rectifying:close:closed': { pass: { facts: { visits: 1 } }, fail: [{ facts: { visits: 0 }, refusal: 'visit_missing' }] },
  'replacement:open:flag_overdue:open': {
    pass: { now: at(DAY) },
    fail: [
      { now: at(DAY - 1), refusal: 'deadline_not_reached' },
      { now: at(DAY), facts: { overdue: true }, refusal: 'already_flagged' },
    ],
  },
  'replacement:open:escalate:open': {
    pass: { facts: { overdue: true } },
    fail: [{ refusal: 'deadline_not_reached' }, { facts: { overdue: true, escalated: true }, refusal: 'already_flagged' }],
  },
  'appeal:none:file:filed': {
    pass: { now: at(DAY - 1) },
    fail: [{ now: at(DAY), refusal: 'appeal_period_over' }],
  },
};

const isFinding = (w: string): w is (typeof FINDING_WORKFLOW_NAMES)[number] => Object.hasOwn(FINDING_WORKFLOWS, w);
const anyMachine = (w: string) => (isFinding(w) ? findingMachineOf(w) : machineOf(w as never));

function run(workflow: string, from: string, event: string, party: Party, c: Case) {
  const machine = anyMachine(workflow);
  return next(machine, from, event, { party, ...DEFAULT_ACTOR, ...c.actor }, c.now ?? T, { ...DEFAULT_FACTS[workflow], ...c.facts }, c.input ?? {});
}

describe.each([...WORKFLOW_NAMES, ...FINDING_WORKFLOW_NAMES])('the %s workflow', (workflow) => {
  const machine = anyMachine(workflow);
  const key = (t: { from: string; event: string; to: string }) => `${workflow}:${t.from}:${t.event}:${t.to}`;

  for (const state of ['none', ...machine.states]) {
    for (const event of machine.events) {
      const rows = machine.transitions.filter((t) => t.from === state && t.event === event);
      for (const party of PARTIES) {
        const mine = rows.filter((t) => t.by.includes(party));
        if (!rows.length) {
          it(`${state} —${event}→ is not in the table: transition_not_allowed (${party})`, () => {
            const step = run(workflow, state, event, party, {});
            expect(step).toMatchObject({ ok: false, refusal: { id: 'transition_not_allowed', kind: 'conflict' } });
            if (!step.ok && state !== 'none') expect(step.refusal.message).toContain(state);
          });
        } else if (!mine.length) {
          it(`${state} —${event}→ is not for ${party}: party_not_allowed`, () => {
            expect(run(workflow, state, event, party, {})).toMatchObject({ ok: false, refusal: { id: 'party_not_allowed', kind: 'forbidden' } });
          });
        } else {
          for (const row of mine) {
            const cases = GUARDED[key(row)];
            it(`${state} —${event}→ ${row.to} for ${party}`, () => {
              if (row.guard) expect(cases, `cases for the guarded row ${key(row)}`).toBeDefined();
              expect(run(workflow, state, event, party, cases?.pass ?? {})).toEqual({ ok: true, to: row.to });
            });
            for (const fail of cases?.fail ?? []) {
              it(`${state} —${event}→ ${row.to} is refused for ${party}: ${fail.refusal}`, () => {
                const step = run(workflow, state, event, party, fail);
                expect(step).toMatchObject({ ok: false, refusal: { id: fail.refusal } });
              });
            }
          }
        }
      }
    }
  }

  it('every row is reachable: its from-state is none or a state some row leads to', () => {
    const reached = new Set(['none', ...machine.transitions.map((t) => t.to)]);
    for (const t of machine.transitions) expect(reached.has(t.from), `${key(t)}`).toBe(true);
  });
  it('final states have no way out but none', () => {
    for (const t of machine.transitions) expect(machine.final.includes(t.from as never), key(t)).toBe(false);
  });
  it('each guarded row has its cases, and each case names a row of the table', () => {
    const keys = machine.transitions.map(key);
    for (const k of Object.keys(GUARDED).filter((k) => k.startsWith(`${workflow}:`))) expect(keys).toContain(k);
    for (const t of machine.transitions.filter((t) => t.guard)) expect(GUARDED[key(t)], key(t)).toBeDefined();
  });
});

describe('what a page may offer', () => {
  it('a supervisor is offered approve and reject on a pending review; the rater nothing', () => {
    expect(eventsFrom(WORKFLOWS.review, 'pending', 'supervisor')).toEqual(['approve', 'reject']);
    expect(eventsFrom(WORKFLOWS.review, 'pending', 'rater')).toEqual([]);
  });
  it('R12: the agency records the measures of an open rectification; only a supervisor extends it', () => {
    expect(eventsFrom(WORKFLOWS.rectification, 'open', 'agency')).toEqual(['complete']);
    expect(eventsFrom(WORKFLOWS.rectification, 'open', 'supervisor')).toEqual(['extend', 'complete']);
  });
});
