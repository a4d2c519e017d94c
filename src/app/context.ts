// What every use case is given: the database, the protector of personal
// data, and the clock (tests pass a fixed one).
import type { Kysely } from 'kysely';
import type { DB } from '../storage/schema.ts';
import type { Actor } from '../domain/access.ts';
import { loadProtectionKey, Protector } from '../storage/protect.ts';
import type { SmsConfig } from '../config.ts';
import { smsSenderFor, type SmsSender } from './senders.ts';

export interface Services {
  db: Kysely<DB>;
  protector: Protector;
  now: () => Date;
  /** What leaves the platform (issue 12): the base of rating links, and the SMS sender the outbox uses. */
  outbox: { publicUrl: string; sms: SmsSender };
  /** Group commit of ratings (issue 15); unset: the defaults (src/app/ratingBatcher.ts). */
  ratingBatch?: RatingBatchOptions;
}

export interface RatingBatchOptions {
  /** How long a batch stays open for more submissions (0: until the event loop's next turn). */
  windowMs: number;
  /** A batch closes at this many submissions. */
  maxSize: number;
  /** Batches being stored at once; more wait (and grow) until one commits. */
  maxInFlight: number;
}

/** Services over an opened database, with the protection key of the config. */
export function createServices(
  db: Kysely<DB>,
  config: {
    protectionKey?: string;
    dataDir: string;
    database: { kind: string; poolMax?: number };
    publicUrl?: string;
    sms?: SmsConfig;
    ratingBatch?: { windowMs: number; maxSize: number };
  },
  log?: { info(msg: string): void; warn(msg: string): void },
): Services {
  const { key, source, created } = loadProtectionKey({ key: config.protectionKey, dataDir: config.dataDir });
  if (created) log?.info(`created the protection key for personal data in ${source}; back it up with the database`);
  if (config.database.kind === 'server' && !config.protectionKey) {
    log?.warn(
      `PROTECTION_KEY is not set: using the key file ${source}. Every process on this database must use the same key; set PROTECTION_KEY in production.`,
    );
  }
  return {
    db,
    protector: new Protector(key),
    now: () => new Date(),
    outbox: { publicUrl: config.publicUrl ?? 'http://127.0.0.1:3000', sms: smsSenderFor(config.sms ?? { sender: 'local' }, config.dataDir) },
    // Embedded PGlite runs one statement at a time: one batch at a time. On a
    // server, half the pool, leaving connections for everything else.
    ratingBatch: config.ratingBatch && {
      ...config.ratingBatch,
      maxInFlight: config.database.kind === 'server' ? Math.max(1, Math.floor((config.database.poolMax ?? 10) / 2)) : 1,
    },
  };
}

/** Who is calling, and from which request: what access checks and the audit log need. */
export interface Caller {
  actor: Actor;
  requestId?: string;
  sourceIp?: string;
}

/** The command line, a job, the demo: whoever runs them holds the database and the key already. */
export const systemCaller = (name: string): Caller => ({ actor: { type: 'system', name } });
