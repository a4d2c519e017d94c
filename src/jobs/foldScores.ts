// R3: folds the pending score events into the day/month/year totals, so
// rankings read few rows. Scores are exact without it (every read adds the
// pending tail); it only keeps the tail short. One folder at a time (an
// advisory lock); a second run at the same moment does nothing.
import { foldAll } from '../app/scores.ts';
import type { JobDefinition } from './schedule.ts';

export const foldScoresJob: JobDefinition = {
  name: 'score-fold',
  cron: '* * * * *',
  description: 'R3: fold new, voided and revoked ratings into the score totals',
  async run({ db }) {
    const folded = await foldAll(db);
    return `${folded} score event(s) folded`;
  },
};
