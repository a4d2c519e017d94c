// R6, R12 (issue 13): the deadlines of the supervision loop. Reviews not
// decided within the policy's reviewDays are deemed approved (and go on to
// verification); rectifications past their deadline are flagged overdue and
// escalated to the department one level up; fixes whose days to reopen are
// over are closed. Each item is its own transaction, taken with the item
// locked and the step asked of the workflow's table again, so two runs at
// once, or a run and a person, never take one step twice.
import { runDeadlines } from '../app/supervision.ts';
import type { JobDefinition } from './schedule.ts';

export const supervisionDeadlinesJob: JobDefinition = {
  name: 'supervision-deadlines',
  // Deadlines fall at 24:00 China time; every 15 minutes catches up soon after a restart.
  cron: '*/15 * * * *',
  description: 'R6, R12: deem unreviewed ratings approved after 15 days; flag and escalate overdue rectifications; close fixes no longer reopenable',
  async run({ services, now }) {
    const r = await runDeadlines({ ...services, now: () => now }, now);
    return `as of ${now.toISOString()}: ${r.deemed} review(s) deemed approved, ${r.flagged} rectification(s) flagged overdue, ${r.escalated} escalated, ${r.closed} closed`;
  },
};
