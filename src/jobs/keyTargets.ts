// R11 (issue 14): the key targets (重点测评对象) of the month before, at
// 02:00 China time on the 1st, when its ratings are all in (a default counts
// on the last day of its rating period, given at 24:00 of it). Safe to run
// twice or from two processes: a subject's month is created once.
import { runKeyTargets } from '../app/targets.ts';
import type { JobDefinition } from './schedule.ts';

export const keyTargetsJob: JobDefinition = {
  name: 'key-targets',
  cron: '0 2 1 * *',
  description:
    'R11: list the key targets (重点测评对象) of the month before: staff, agencies, business lines, cities and counties with ratings below 基本满意 concentrated',
  async run({ services, now }) {
    const r = await runKeyTargets(services, now);
    return `${r.month} (policy version ${r.policyVersionId}): ${r.targets} key target(s) among ${r.subjects} subject(s) with ratings, ${r.created} new (${r.repeated} repeated from the month before)`;
  },
};
