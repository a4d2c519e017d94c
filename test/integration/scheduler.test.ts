// pg-boss 10 runs the schedule table on both engines (on PGlite through the
// one database lock).
import { sql } from 'kysely';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startScheduler } from '../../src/jobs/scheduler.ts';
import type { JobDefinition } from '../../src/jobs/schedule.ts';
import { useTestDatabase } from '../support/db.ts';
import { testServices } from '../support/services.ts';
import { waitFor } from '../support/process.ts';

const database = useTestDatabase();

describe('job scheduler', () => {
  it('schedules every job in China time and works a triggered run', async () => {
    const runs: Date[] = [];
    const job: JobDefinition = {
      name: 'probe-job',
      cron: '5 0 * * *',
      description: 'test probe',
      run: async ({ db, now }) => {
        await sql`select 1`.execute(db);
        runs.push(now);
        return 'probed';
      },
    };
    const scheduler = await startScheduler(database(), testServices(database()), pino({ level: 'silent' }), [job], { pollingIntervalSeconds: 0.5 });
    try {
      const { rows } = await sql<{ name: string; cron: string; timezone: string }>`
        select name, cron, timezone from pgboss.schedule`.execute(database().db);
      expect(rows).toEqual([{ name: 'probe-job', cron: '5 0 * * *', timezone: 'Asia/Shanghai' }]);
      await scheduler.trigger('probe-job');
      await waitFor(() => runs.length === 1, 20_000);
      await expect(scheduler.trigger('no-such-job')).rejects.toThrow(/no scheduled job/);
    } finally {
      await scheduler.stop();
    }
    // A job dropped from the table is unscheduled at the next start.
    const next = await startScheduler(database(), testServices(database()), pino({ level: 'silent' }), []);
    await next.stop();
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pgboss.schedule`.execute(database().db);
    expect(rows[0]!.n).toBe(0);
  });
});
