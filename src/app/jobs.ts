// Jobs by hand: an admin runs a scheduled job as of now through the API, so
// that nobody has to stop the embedded server to run `haochaping jobs run`.
// The start is audited before the job runs (the job itself writes in its own
// transactions, as it does when scheduled).
import { requireAccess } from '../domain/access.ts';
import { notFound } from '../domain/errors.ts';
import { SCHEDULE, type JobContext } from '../jobs/schedule.ts';
import { runJobsNow } from '../jobs/scheduler.ts';
import { recordAudit } from './audit.ts';
import type { Caller, Services } from './context.ts';

export function listJobs(caller: Caller) {
  requireAccess(caller.actor, 'jobs.read');
  return { items: SCHEDULE.map((j) => ({ name: j.name, cron: j.cron, description: j.description })) };
}

export async function runJobByHand(services: Services, caller: Caller, name: string, log: JobContext['log']) {
  requireAccess(caller.actor, 'jobs.run');
  if (!SCHEDULE.some((j) => j.name === name)) throw notFound('job_not_found', `No job is named ${name}; known: ${SCHEDULE.map((j) => j.name).join(', ')}`);
  const startedAt = services.now();
  await services.db.transaction().execute((trx) => recordAudit(trx, caller, { action: 'job.run', subjectType: 'job', subjectId: name }, startedAt));
  const [result] = await runJobsNow(services, startedAt, log, [name]);
  return { name, startedAt: startedAt.toISOString(), finishedAt: services.now().toISOString(), summary: result!.summary };
}
