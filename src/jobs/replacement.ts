// R11 (issue 14): staff flagged for replacement, at 02:30 China time on the
// 1st for the month before (after the key targets): the bottom of their
// ranking group for the policy's consecutive months after being a key
// target. Also closes the flags of staff moved since, or ranked out of the
// bottom in that month. Safe to run twice or from two processes.
import { runReplacement } from '../app/targets.ts';
import type { JobDefinition } from './schedule.ts';

export const replacementJob: JobDefinition = {
  name: 'replacement',
  cron: '30 2 1 * *',
  description: 'R11: flag staff at the bottom of their ranking group for consecutive months after being a key target; close flags on a transfer or a recovery',
  async run({ services, now }) {
    const r = await runReplacement(services, now);
    return `${r.month} (policy version ${r.policyVersionId}): ${r.ranked} staff ranked, ${r.bottom} at the bottom; ${r.flagged} flagged for replacement, ${r.recovered} recovered, ${r.transferred} transferred`;
  },
};
