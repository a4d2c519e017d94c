// haochaping: serve | migrate | seed | import | clients add | scores verify|rebuild|fold | jobs run [--now ISO]
// (also `npm run cli -- <command>`).
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { seedRegions } from './app/seed.ts';
import { createServices, systemCaller } from './app/context.ts';
import { seedDemoIfEmpty } from './app/demo.ts';
import { importSheet } from './app/imports.ts';
import { createClient, type ClientKind } from './app/clients.ts';
import os from 'node:os';
import readline from 'node:readline';
import { CLIENT_KINDS, ROLES, type Role } from './domain/access.ts';
import { createUser } from './app/users.ts';
import { AppError } from './domain/errors.ts';
import { foldAll, rebuildScores, verifyScores } from './app/scores.ts';
import { RATER_CHANNELS } from './domain/ratings.ts';
import { ENTITY_KINDS, type EntityKind } from './domain/catalogue.ts';
import { runJobsNow } from './jobs/scheduler.ts';
import { SCHEDULE } from './jobs/schedule.ts';
import { DatabaseUnavailableError, openDatabase, type Database } from './storage/db.ts';
import { migrate, MigrationError } from './storage/migrate.ts';
import { Lifecycle, serve, StartupAborted, writeDemoFiles } from './serve.ts';

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`haochaping: config: ${problem}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

/** One clear line and a non-zero exit for what an operator can fix. */
function fail(error: unknown): never {
  if (error instanceof DatabaseUnavailableError || error instanceof MigrationError) {
    process.stderr.write(`haochaping: ${error.message}\n`);
    process.exit(69); // EX_UNAVAILABLE
  }
  if (error instanceof AppError) {
    process.stderr.write(`haochaping: ${error.id}: ${error.message}\n`);
    process.exit(65); // EX_DATAERR
  }
  process.stderr.write(`haochaping: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}

async function withDatabase<T>(fn: (database: Database, config: Config) => Promise<T>): Promise<T> {
  const config = configOrExit();
  const database = await openDatabase(config.database).catch(fail);
  try {
    return await fn(database, config);
  } finally {
    await database.close();
  }
}

function instant(value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError('expected an ISO 8601 instant, e.g. 2026-03-08T00:00:00+08:00');
  }
  return date;
}

const program = new Command('haochaping').description('政务服务“好差评” — the Guangxi government-service rating platform');

program
  .command('serve')
  .description('migrate, seed an empty database, and serve the API (and the job scheduler unless JOBS=false)')
  .option('--demo', 'also load the demo organisations when the catalogue is empty (what npm start does)')
  .action(async (options: { demo?: boolean }) => {
    const config = configOrExit();
    const log = pino({ level: config.logLevel });
    const lifecycle = new Lifecycle(log, config.shutdownTimeoutMs);
    lifecycle.handleSignals();
    try {
      await serve(config, log, lifecycle, options);
    } catch (error) {
      if (error instanceof StartupAborted) return; // a signal came during start-up; lifecycle exits
      await lifecycle.stop('start-up failed');
      fail(error);
    }
  });

program
  .command('migrate')
  .description('apply pending SQL migrations and exit')
  .action(() =>
    withDatabase(async ({ db }) => {
      const applied = await migrate(db, { log: (line) => console.log(line) }).catch(fail);
      console.log(applied.length ? `applied ${applied.length} migration(s)` : 'database is up to date');
    }),
  );

program
  .command('seed')
  .description('load or refresh reference data (the region tree of R1); --demo adds demo organisations to an empty catalogue')
  .option('--demo', 'load the demo organisations if the catalogue is empty')
  .option('--seed <n>', 'random seed of the demo data', (v) => Number.parseInt(v, 10), 2019)
  .option('--cases <n>', 'how many demo cases over the past year (millions are fine on a PostgreSQL server)', (v) => Number.parseInt(v, 10), 10_000)
  .action((options: { demo?: boolean; seed: number; cases: number }) =>
    withDatabase(async ({ db }, config) => {
      await migrate(db).catch(fail);
      const { changed, total } = await seedRegions(db);
      console.log(`regions: ${total} in the database, ${changed} inserted or renamed`);
      if (options.demo) {
        const demo = await seedDemoIfEmpty(createServices(db, config), { seed: options.seed, cases: options.cases });
        if (!demo) console.log('demo: the catalogue is not empty; nothing loaded');
        else {
          const { apiKeys, users, ...summary } = demo;
          console.log(`demo: ${JSON.stringify(summary)}`);
          const { keysFile, usersFile } = writeDemoFiles(config.dataDir, apiKeys, users);
          console.log(`demo API keys are in ${keysFile}, demo users in ${usersFile}`);
        }
      }
    }),
  );

program
  .command('import')
  .description('import a catalogue spreadsheet (.xlsx or CSV): a dry run unless --commit')
  .argument('<kind>', `one of ${ENTITY_KINDS.join(', ')}`)
  .argument('<file>', 'the .xlsx or .csv file')
  .option('--commit', 'apply the file (all or nothing)')
  .action((kind: string, file: string, options: { commit?: boolean }) =>
    withDatabase(async ({ db }, config) => {
      if (!ENTITY_KINDS.includes(kind as EntityKind)) fail(new Error(`unknown kind ${kind}; use one of ${ENTITY_KINDS.join(', ')}`));
      await migrate(db).catch(fail);
      const report = await importSheet(createServices(db, config), systemCaller(`cli:${os.userInfo().username}`), kind as EntityKind, file, {
        commit: !!options.commit,
      });
      for (const e of report.errors) console.log(`row ${e.row}\t${e.column}\t${e.reason}`);
      console.log(
        `${report.mode} of ${report.rows} ${kind} rows (${report.format}): ${report.inserted} new, ${report.updated} changed, ${report.unchanged} unchanged, ${report.errorCount} problem(s)` +
          (report.committed ? ' — committed' : options.commit ? ' — NOTHING imported' : ' — nothing changed (dry run)'),
      );
      if (report.errorCount) process.exitCode = 2;
    }),
  );

const operator = () => systemCaller(`cli:${os.userInfo().username}`);

const clients = program.command('clients').description('API keys of business systems, channel clients and window devices');
clients
  .command('add')
  .description('create a client and print its API key (shown once)')
  .requiredOption('--name <name>', 'who it is, e.g. "南宁市一体化政务服务平台"')
  .requiredOption('--kind <kind>', `one of ${CLIENT_KINDS.join(', ')}`)
  .option('--channel <channel>', `for a channel client: ${RATER_CHANNELS.join(', ')}`)
  .option('--window <center/number>', 'for a device: the window it stands at, e.g. NN-ZWFW/12')
  .action((options: { name: string; kind: string; channel?: string; window?: string }) =>
    withDatabase(async ({ db }, config) => {
      await migrate(db).catch(fail);
      if (!(CLIENT_KINDS as readonly string[]).includes(options.kind)) fail(new Error(`--kind must be one of ${CLIENT_KINDS.join(', ')}`));
      const [centerCode, number] = options.window?.split('/') ?? [];
      const window = options.window ? { centerCode: centerCode ?? '', number: number ?? '' } : null;
      const { client, key } = await createClient(createServices(db, config), operator(), {
        name: options.name,
        kind: options.kind as ClientKind,
        channel: options.channel,
        window,
      }).catch(fail);
      console.log(`client ${client.id} ${client.name} (${client.kind}${client.channel ? `, ${client.channel}` : ''})`);
      console.log(`API key (shown once, keep it secret): ${key}`);
    }),
  );

/** A password from the terminal without echo, or the first line of standard input when it is not a terminal. */
async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const rl = readline.createInterface({ input: process.stdin });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    return '';
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
  process.stdout.write(prompt);
  muted._writeToOutput = () => {};
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stdout.write('\n');
  return answer;
}

const usersCommand = program.command('users').description('people who sign in (R2)');
usersCommand
  .command('add')
  .description('create a user; the password is asked for (or read from standard input), never taken as an argument')
  .requiredOption('--username <name>', 'lower-case letters, digits, . _ -')
  .requiredOption('--role <role>', ROLES.join(', '))
  .option('--display-name <name>', 'the name shown (default: the username)')
  .option('--region <code>', 'supervisor: the region; line_manager: optionally within it')
  .option('--line <code>', 'line_manager: the business line')
  .option('--agency <code>', 'agency_manager: the agency')
  .option('--staff <number>', 'staff: the staff number')
  .action((options: { username: string; role: string; displayName?: string; region?: string; line?: string; agency?: string; staff?: string }) =>
    withDatabase(async ({ db }, config) => {
      await migrate(db).catch(fail);
      if (!(ROLES as readonly string[]).includes(options.role)) fail(new Error(`--role must be one of ${ROLES.join(', ')}`));
      const password = await readPassword(`password for ${options.username}: `);
      const again = process.stdin.isTTY ? await readPassword('again: ') : password;
      if (password !== again) fail(new Error('the two passwords differ'));
      const user = await createUser(createServices(db, config), operator(), {
        username: options.username,
        displayName: options.displayName ?? options.username,
        role: options.role as Role,
        scope: { regionCode: options.region, lineCode: options.line, agencyCode: options.agency, staffNumber: options.staff },
        password,
      }).catch(fail);
      console.log(`user ${user.username} (${user.role}) created`);
    }),
  );

const scoreCommands = program.command('scores').description('score totals (R3)');
scoreCommands
  .command('verify')
  .description('recompute every score from the ratings and report any difference from the kept totals (exit 1 if any)')
  .action(() =>
    withDatabase(async ({ db }) => {
      await migrate(db).catch(fail);
      const started = Date.now();
      const result = await verifyScores(db).catch(fail);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(
        `compared ${result.compared} figures (dimension × key × day, month, year); ${result.pending} event(s) pending, counted from the ledger; ${seconds} s`,
      );
      for (const d of result.differences) {
        console.log(
          `DIFFERENT ${d.dimension} ${d.key}${d.region_code ? `/${d.region_code}` : ''} ${d.period} ${d.period_start} ${d.column}: kept ${d.kept}, recomputed ${d.recomputed}`,
        );
      }
      if (result.ledgerMismatches) console.log(`DIFFERENT ledger: ${result.ledgerMismatches} rating(s) whose events disagree with their voided/revoked state`);
      console.log(result.ok ? 'ok: the totals equal the recomputation' : 'FAILED: the totals differ from the recomputation');
      if (!result.ok) process.exitCode = 1;
    }),
  );
scoreCommands
  .command('rebuild')
  .description('recompute every total from the ratings, replacing the kept ones (after a bulk load or a restore)')
  .action(() =>
    withDatabase(async ({ db }) => {
      await migrate(db).catch(fail);
      const started = Date.now();
      const rows = await rebuildScores(db).catch(fail);
      console.log(`${rows} totals written in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }),
  );
scoreCommands
  .command('fold')
  .description('fold every pending score event into the totals now (the score-fold job does this each minute)')
  .action(() =>
    withDatabase(async ({ db }) => {
      await migrate(db).catch(fail);
      console.log(`${await foldAll(db).catch(fail)} score event(s) folded`);
    }),
  );

const jobs = program.command('jobs').description('scheduled work');
jobs
  .command('list')
  .description('the schedule table')
  .action(() => {
    if (!SCHEDULE.length) console.log('no jobs are scheduled yet');
    for (const job of SCHEDULE) console.log(`${job.name}\t${job.cron} (Asia/Shanghai)\t${job.description}`);
  });
jobs
  .command('run')
  .description('run every scheduled job once, now or as of the given instant')
  .option('--now <iso>', 'run as of this instant instead of the clock', instant)
  .option('--job <name...>', 'run only these jobs')
  .action((options: { now?: Date; job?: string[] }) =>
    withDatabase(async (database, config) => {
      await migrate(database.db).catch(fail);
      const now = options.now ?? new Date();
      const log = pino({ level: config.logLevel });
      const results = await runJobsNow(createServices(database.db, config, log), now, log, options.job).catch(fail);
      if (!results.length) console.log(`no jobs to run (as of ${now.toISOString()})`);
      for (const r of results) console.log(`${r.name}: ${r.summary}`);
    }),
  );

await program.parseAsync(process.argv).catch(fail);
