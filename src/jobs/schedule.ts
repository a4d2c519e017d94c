// The one table of scheduled work. Every job here:
// - is safe to run twice, or from two processes at once (it marks what it has
//   done in the database, or its writes are idempotent);
// - takes `now` from its context, never from the clock, so that
//   `haochaping jobs run --now <ISO>` runs it as of any instant.
// Cron expressions are read in China Standard Time (Asia/Shanghai).
import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { DB } from '../storage/schema.ts';
import type { Services } from '../app/context.ts';

export const JOB_TIME_ZONE = 'Asia/Shanghai';

/** What jobs are given: the database, the protector of personal data, and what the outbox sends with. */
export type JobServices = Pick<Services, 'db' | 'protector' | 'outbox'>;

export interface JobContext {
  db: Kysely<DB>;
  services: JobServices;
  now: Date;
  log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
}

export interface JobDefinition {
  /** Queue name in pg-boss; lowercase words with dashes. */
  name: string;
  /** Five-field cron in China time. */
  cron: string;
  description: string;
  /** Does the work as of ctx.now and returns a one-line summary. */
  run(ctx: JobContext): Promise<string>;
}

// Imported last (the jobs import the types above).
import { defaultRatingsJob } from './defaultRatings.ts';
import { foldScoresJob } from './foldScores.ts';
import { deliverOutboxJob } from './deliverOutbox.ts';
import { supervisionDeadlinesJob } from './supervisionDeadlines.ts';
import { keyTargetsJob } from './keyTargets.ts';
import { replacementJob } from './replacement.ts';
import { fraudDetectionJob } from './fraudDetection.ts';

export const SCHEDULE: readonly JobDefinition[] = [
  defaultRatingsJob,
  foldScoresJob,
  deliverOutboxJob,
  supervisionDeadlinesJob,
  fraudDetectionJob,
  keyTargetsJob,
  replacementJob,
];
