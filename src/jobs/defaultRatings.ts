// R6: an occasion not rated within 7 natural days gets a default "very
// satisfied" (10), channel system, timed at its deadline (24:00 China time of
// day D+7). The work is one set-based statement per batch
// (storage/cases.ts giveDefaultRatings), safe to run twice or from two
// processes at once.
import { giveDefaultRatings } from '../storage/cases.ts';
import type { JobDefinition } from './schedule.ts';

export const defaultRatingsJob: JobDefinition = {
  name: 'default-ratings',
  // Deadlines fall at midnight China time; run just after, and every
  // 15 minutes so that a missed run (a restart at midnight) catches up soon.
  cron: '*/15 * * * *',
  description: 'R6: default rating for occasions unrated 7 natural days after they happened',
  async run({ db, now }) {
    const given = await giveDefaultRatings(db, now);
    return `${given} default rating(s) given as of ${now.toISOString()}`;
  },
};
