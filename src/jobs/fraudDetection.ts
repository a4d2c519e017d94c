// R10 (issue 14): the signals of faked good ratings, every hour over the
// last three days of ratings (and the months those days touch), stored with
// their evidence and handed to investigations. Safe to run twice or from two
// processes: signals and open investigations are found by their keys.
import { runDetection } from '../app/detection.ts';
import type { JobDefinition } from './schedule.ts';

export const fraudDetectionJob: JobDefinition = {
  name: 'fraud-detection',
  cron: '7 * * * *',
  description: 'R10: detect faked good ratings (刷好评) in the last three days of ratings and hand them to investigations',
  async run({ services, now }) {
    const r = await runDetection({ ...services, now: () => now }, now);
    return `ratings ${r.from.toISOString()} – ${r.to.toISOString()}: ${r.signals} signal(s) (${r.newSignals} new), ${r.ratingsFlagged} rating(s) newly flagged, ${r.investigationsOpened} investigation(s) opened`;
  },
};
