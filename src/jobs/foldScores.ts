// R3: folds the pending score events into the day/month/year totals, so
// rankings read few rows. Scores are exact without it (every read adds the
// pending tail); it only keeps the tail short. One folder at a time (an
// advisory lock); a second run at the same moment does nothing. It also keeps
// the planner's statistics of the tables ratings grow (issue 15).
import { foldAll } from '../app/scores.ts';
import { analyzeIfGrown } from '../storage/maintenance.ts';
import type { JobDefinition } from './schedule.ts';

export const foldScoresJob: JobDefinition = {
  name: 'score-fold',
  cron: '* * * * *',
  description: 'R3: fold new, voided and revoked ratings into the score totals',
  async run({ db }) {
    const folded = await foldAll(db);
    // Issue 15: the planner's statistics of the growing tables (embedded PGlite has no autovacuum).
    const analysed = await analyzeIfGrown(db);
    return `${folded} score event(s) folded${analysed ? '; statistics of ratings, events and occasions refreshed' : ''}`;
  },
};
