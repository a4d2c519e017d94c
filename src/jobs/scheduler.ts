// Runs the schedule table on pg-boss 10: on a server through pg-boss's own
// small pool, on embedded PGlite through the one database lock.
import PgBoss from 'pg-boss';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../storage/db.ts';
import { JOB_TIME_ZONE, SCHEDULE, type JobContext, type JobDefinition, type JobServices } from './schedule.ts';

export interface Scheduler {
  /** Queues one run of a scheduled job now (outside its cron). */
  trigger(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startScheduler(
  database: Database,
  services: JobServices,
  log: FastifyBaseLogger,
  jobs: readonly JobDefinition[] = SCHEDULE,
  options: { pollingIntervalSeconds?: number } = {},
): Promise<Scheduler> {
  const boss = new PgBoss({
    ...(database.jobExecutor ? { db: database.jobExecutor } : { connectionString: database.url!, max: 2 }),
    schema: 'pgboss',
    application_name: 'haochaping-jobs',
  });
  boss.on('error', (error) => log.error({ err: error }, 'job queue error'));
  await boss.start();

  // Forget schedules of jobs that are no longer in the table.
  const wanted = new Set(jobs.map((j) => j.name));
  for (const s of await boss.getSchedules()) if (!wanted.has(s.name)) await boss.unschedule(s.name);

  for (const job of jobs) {
    await boss.createQueue(job.name);
    await boss.schedule(job.name, job.cron, {}, { tz: JOB_TIME_ZONE, singletonKey: job.name });
    await boss.work(job.name, { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 }, async () => {
      const started = Date.now();
      const summary = await job.run({ db: database.db, services, now: new Date(), log });
      log.info({ job: job.name, ms: Date.now() - started }, summary);
    });
  }
  log.info({ jobs: jobs.map((j) => j.name) }, `job scheduler started (${jobs.length} scheduled)`);
  return {
    async trigger(name) {
      if (!wanted.has(name)) throw new Error(`no scheduled job is called ${name}`);
      await boss.send(name, {}, { singletonKey: `${name}-manual` });
    },
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}

/** `haochaping jobs run`: every job once, in table order, as of `now`. */
export async function runJobsNow(
  services: JobServices,
  now: Date,
  log: JobContext['log'],
  only?: string[],
  jobs: readonly JobDefinition[] = SCHEDULE,
): Promise<{ name: string; summary: string }[]> {
  const unknown = (only ?? []).filter((name) => !jobs.some((j) => j.name === name));
  if (unknown.length) throw new Error(`unknown job(s): ${unknown.join(', ')}; known: ${jobs.map((j) => j.name).join(', ') || 'none yet'}`);
  const results: { name: string; summary: string }[] = [];
  for (const job of jobs) {
    if (only?.length && !only.includes(job.name)) continue;
    results.push({ name: job.name, summary: await job.run({ db: services.db, services, now, log }) });
  }
  return results;
}
