// R6, R12 (issue 13): the deadlines of the supervision loop. Reviews not
// decided within the policy's reviewDays are deemed approved (and go on to
// verification); rectifications past their deadline are flagged overdue and
// escalated to the department one level up; fixes whose days to reopen are
// over are closed. Each item is its own transaction, taken with the item
// locked and the step asked of the workflow's table again, so two runs at
// once, or a run and a person, never take one step twice.
// R11 (issue 14): the findings' deadlines too (src/app/targets.ts): flags
// for replacement of staff moved since are closed, key targets past their
// measures' deadline flagged overdue, replacements past theirs flagged
// overdue and escalated to the supervisory department.
import { runDeadlines } from '../app/supervision.ts';
import { runFindingDeadlines } from '../app/targets.ts';
import type { JobDefinition } from './schedule.ts';

export const supervisionDeadlinesJob: JobDefinition = {
  name: 'supervision-deadlines',
  // Deadlines fall at 24:00 China time; every 15 minutes catches up soon after a restart.
  cron: '*/15 * * * *',
  description:
    'R6, R12: deem unreviewed ratings approved after 15 days; flag and escalate overdue rectifications; close fixes no longer reopenable. R11: close replacements of transferred staff; flag overdue key targets; flag and escalate overdue replacements',
  async run({ services, now }) {
    const r = await runDeadlines({ ...services, now: () => now }, now);
    const f = await runFindingDeadlines(services, now);
    return (
      `as of ${now.toISOString()}: ${r.deemed} review(s) deemed approved, ${r.flagged} rectification(s) flagged overdue, ${r.escalated} escalated, ${r.closed} closed; ` +
      `${f.transferred} replacement(s) closed on a transfer, ${f.keyTargetsOverdue} key target(s) flagged overdue, ${f.replacementsOverdue} replacement(s) flagged overdue, ${f.escalated} escalated`
    );
  },
};
