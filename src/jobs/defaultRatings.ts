// R6: an occasion not rated by its deadline — 7 natural days by default;
// the days and the level come from the policy version the occasion keeps
// (issue 13, src/app/policy.ts) — gets its default rating ("very satisfied",
// 10, by default), channel system, timed at the deadline. The work is one
// set-based statement per batch and default level
// (storage/cases.ts giveDefaultRatings), safe to run twice or from two
// processes at once.
import { giveDefaultRatings } from '../storage/cases.ts';
import type { JobDefinition } from './schedule.ts';

export const defaultRatingsJob: JobDefinition = {
  name: 'default-ratings',
  // Deadlines fall at midnight China time; run just after, and every
  // 15 minutes so that a missed run (a restart at midnight) catches up soon.
  cron: '*/15 * * * *',
  description: 'R6: default rating for occasions unrated by their deadline (the policy version of each: 7 natural days, very satisfied, by default)',
  async run({ db, now }) {
    const given = await giveDefaultRatings(db, now);
    return `${given} default rating(s) given as of ${now.toISOString()}`;
  },
};
