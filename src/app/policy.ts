// The policy as versioned data, and the working-day calendar (issue 13).
// Deadlines are reckoned under the version in force when what they belong
// to began (an occasion, a review, a rectification), which keeps its version
// id: a later version never moves a deadline already running. Admins add
// versions (effective today or later, never before) and replace a year of
// the calendar (never changing a day already past); each change is audited
// in its own transaction. docs/policy.md explains the numbers.
import type { Kysely } from 'kysely';
import { PERMISSIONS, requireAccess } from '../domain/access.ts';
import { calendarDayProblems, calendarOf, deadlineAfter, EMPTY_CALENDAR, firstPastDayChanged, type Calendar, type CalendarDay } from '../domain/calendar.ts';
import { AppError, conflict, invalidFields, notFound, type FieldProblem } from '../domain/errors.ts';
import { chinaDay } from '../domain/occasions.ts';
import { DEFAULT_DETECTION } from '../domain/detection/types.ts';
import {
  checkEffectiveFrom,
  completeNumbers,
  numbersForAudit,
  policyNumberProblems,
  versionOn,
  type DeadlineKey,
  type PolicyNumbers,
  type PolicyNumbersInput,
} from '../domain/policy.ts';
import { lockName } from '../storage/cases.ts';
import * as repo from '../storage/policy.ts';
import type { DB } from '../storage/schema.ts';
import { changedFields, recordAudit } from './audit.ts';
import type { Caller, Services } from './context.ts';

type Db = Kysely<DB>;

export interface PolicyInForce {
  id: number;
  effectiveFrom: string;
  numbers: PolicyNumbers;
}

/** A stored version's numbers, as written by createPolicyVersion (checked there; a bad row is our failure, named). */
function numbersOf(row: { id: number; numbers: unknown }): PolicyNumbers {
  // A version stored before issue 14 reads with the detection and replacement defaults.
  const numbers = completeNumbers(row.numbers);
  if (policyNumberProblems(numbers).length) throw new AppError('policy_version_corrupt', 'internal', `Policy version ${row.id} has numbers that do not check`);
  return numbers;
}

const inForceOf = (row: { id: number; effective_from: string; numbers: unknown }): PolicyInForce => ({
  id: row.id,
  effectiveFrom: row.effective_from,
  numbers: numbersOf(row),
});

/** The version in force on the China day of `at` (a day before every version: the first, docs/policy.md). */
export async function policyAt(db: Db, at: Date): Promise<PolicyInForce> {
  return inForceOf((await repo.versionInForce(db, chinaDay(at))) ?? (await repo.firstVersion(db)));
}

/** A version by its id: what an occasion, review or rectification keeps. */
export async function policyById(db: Db, id: number): Promise<PolicyInForce> {
  const row = await repo.versionById(db, id);
  if (!row) throw notFound('policy_version_not_found', `No policy version has the id ${id}`);
  return inForceOf(row);
}

/** The calendar covering China days from `fromYear` to `toYear` (inclusive years), loaded from the database. */
export async function loadCalendar(db: Db, fromYear: number, toYear: number): Promise<Calendar> {
  const { years, days } = await repo.calendarYears(db, fromYear, toYear);
  return calendarOf(years, days);
}

/**
 * The deadline of `key` under `policy`, counted from `start`; loads the
 * calendar years it needs from the database (none for natural days; for
 * working days the start's year and the two after it, enough for the
 * longest count allowed). Throws calendar_year_missing (409) naming a year
 * the count needs and the calendar lacks.
 */
export async function deadlineUnder(db: Db, policy: PolicyInForce, key: DeadlineKey, start: Date): Promise<Date> {
  const count = policy.numbers[key];
  if (count.unit === 'natural') return deadlineAfter(start, count, EMPTY_CALENDAR);
  const year = Number(chinaDay(start).slice(0, 4));
  return deadlineAfter(start, count, await loadCalendar(db, year, year + 2));
}

/** Every version with its numbers (the demo reckons a year of occasions with them, without a query each). */
export async function loadPolicyVersions(db: Db): Promise<PolicyInForce[]> {
  return (await repo.listVersions(db)).map(inForceOf);
}

// ——— the console: read (everyone signed in), change (admins) ———

type VersionRow = Awaited<ReturnType<typeof repo.listVersions>>[number];
export type VersionState = 'in_force' | 'scheduled' | 'superseded';

function presentVersion(row: VersionRow, state: VersionState) {
  return {
    id: row.id,
    effectiveFrom: row.effective_from,
    numbers: numbersOf(row),
    note: row.note,
    createdBy: row.username ? { username: row.username, displayName: row.display_name ?? row.username } : null,
    createdAt: row.created_at.toISOString(),
    state,
  };
}

/** The version in force today (China time) and every version, newest effective date first, each with its state. */
export async function getPolicy(services: Services, caller: Caller) {
  requireAccess(caller.actor, 'policy.read');
  const today = chinaDay(services.now());
  const rows = await repo.listVersions(services.db);
  const inForce = versionOn(
    rows.map((r) => ({ id: r.id, effectiveFrom: r.effective_from })),
    today,
  )!;
  // A later version of the same day replaces one not yet in force: that one never applies.
  const replaced = (r: VersionRow) => rows.some((o) => o.effective_from === r.effective_from && o.id > r.id);
  const stateOf = (r: VersionRow): VersionState => (r.id === inForce.id ? 'in_force' : r.effective_from > today && !replaced(r) ? 'scheduled' : 'superseded');
  // R10: the thresholds of the detection are for those who investigate; told to staff and agencies, they would say how to stay under them.
  const mayReadDetection = PERMISSIONS_OF(caller.actor).includes('investigations.read');
  const versions = rows.map((r) => {
    const v = presentVersion(r, stateOf(r));
    if (mayReadDetection) return v;
    const { detection: _hidden, ...numbers } = v.numbers;
    return { ...v, numbers: numbers as Omit<PolicyNumbers, 'detection'> & { detection?: PolicyNumbers['detection'] } };
  });
  return { today, inForce: versions.find((v) => v.id === inForce.id)!, versions };
}

const PERMISSIONS_OF = (actor: Caller['actor']) => (actor.type === 'user' ? PERMISSIONS[actor.role] : actor.type === 'system' ? ['investigations.read'] : []);

export interface NewPolicyVersion {
  effectiveFrom: string;
  numbers: PolicyNumbersInput;
  note: string;
}

/**
 * A new version of the numbers, effective from a China day that is today or
 * later. Occasions, reviews and rectifications begun before it keep their
 * version and their deadlines. Audited with the numbers that change against
 * the version it follows on its date.
 */
export async function createPolicyVersion(services: Services, caller: Caller, input: NewPolicyVersion) {
  requireAccess(caller.actor, 'policy.manage');
  const now = services.now();
  // Numbers a page or client does not send (added by a later issue) carry over from the version in force.
  const given = completeNumbers(input.numbers, (await policyAt(services.db, now)).numbers);
  const problems: FieldProblem[] = [...policyNumberProblems(given)];
  const note = input.note.trim();
  if (!note) problems.push({ field: '/body/note', message: 'is empty' });
  invalidFields(problems);
  checkEffectiveFrom(input.effectiveFrom, chinaDay(now));
  return services.db.transaction().execute(async (trx) => {
    // One new version at a time: each is audited against the one it follows.
    await lockName(trx, 'policy_version');
    const follows = (await repo.versionInForce(trx, input.effectiveFrom)) ?? (await repo.firstVersion(trx));
    const numbers = normalised(given);
    const { id } = await repo.insertVersion(trx, {
      effectiveFrom: input.effectiveFrom,
      numbers,
      note,
      createdBy: caller.actor.type === 'user' ? caller.actor.id : null,
      at: now,
    });
    await recordAudit(
      trx,
      caller,
      {
        action: 'policy.create_version',
        subjectType: 'policy_version',
        subjectId: id,
        changes: {
          follows: follows.id,
          effectiveFrom: [follows.effective_from, input.effectiveFrom],
          ...changedFields(numbersForAudit(numbersOf(follows)), numbersForAudit(numbers)),
        },
        reason: note,
      },
      now,
    );
    const row = (await repo.listVersions(trx)).find((r) => r.id === id)!;
    return presentVersion(row, input.effectiveFrom > chinaDay(now) ? 'scheduled' : 'in_force');
  });
}

/** Only the known fields, in a fixed order (the body may not carry others; this keeps the stored JSON plain). */
const normalised = (n: PolicyNumbers): PolicyNumbers => ({
  ratingDays: { days: n.ratingDays.days, unit: n.ratingDays.unit },
  defaultLevel: n.defaultLevel,
  reviewDays: { days: n.reviewDays.days, unit: n.reviewDays.unit },
  rectifyDays: { days: n.rectifyDays.days, unit: n.rectifyDays.unit },
  reopenDays: { days: n.reopenDays.days, unit: n.reopenDays.unit },
  appealDays: { days: n.appealDays.days, unit: n.appealDays.unit },
  keyTargets: { minShare: n.keyTargets.minShare, minCount: n.keyTargets.minCount },
  replacement: {
    bottomN: n.replacement.bottomN,
    periods: n.replacement.periods,
    deadlineDays: n.replacement.deadlineDays,
    minGroupStaff: n.replacement.minGroupStaff,
  },
  detection: Object.fromEntries(
    Object.entries(DEFAULT_DETECTION).map(([signal, fields]) => [
      signal,
      Object.fromEntries(Object.keys(fields).map((f) => [f, (n.detection as unknown as Record<string, Record<string, number>>)[signal]![f]])),
    ]),
  ) as unknown as PolicyNumbers['detection'],
});

// ——— the calendar ———

/** The years the calendar covers, with their sources and counts. */
export async function listCalendarYears(services: Services, caller: Caller) {
  requireAccess(caller.actor, 'policy.read');
  const rows = await repo.listCalendarYears(services.db);
  return {
    years: rows.map((r) => ({
      year: r.year,
      source: r.source,
      holidays: r.holidays,
      workdays: r.workdays,
      updatedAt: r.updated_at.toISOString(),
      updatedBy: r.username ? { username: r.username, displayName: r.display_name ?? r.username } : null,
    })),
  };
}

async function presentYear(db: Db, year: number) {
  const row = await repo.calendarYear(db, year);
  if (!row) return { year, covered: false, source: null, updatedAt: null, updatedBy: null, days: [] };
  return {
    year,
    covered: true,
    source: row.source,
    updatedAt: row.updated_at.toISOString(),
    updatedBy: row.username ? { username: row.username, displayName: row.display_name ?? row.username } : null,
    days: await repo.daysOfYear(db, year),
  };
}

/** One year: its holidays and 调休 working days, or `covered: false` when the calendar lacks it. */
export async function getCalendarYear(services: Services, caller: Caller, year: number) {
  requireAccess(caller.actor, 'policy.read');
  return presentYear(services.db, year);
}

/**
 * Replaces a year's holidays and 调休 working days, with the notice they come
 * from; adds the year when the calendar lacked it. A day already past keeps
 * its kind (calendar_past_day_changed): what was reckoned over it stays true.
 */
export async function replaceCalendarYear(services: Services, caller: Caller, year: number, input: { source: string; days: CalendarDay[] }) {
  requireAccess(caller.actor, 'policy.manage');
  const now = services.now();
  const source = input.source.trim();
  const days = input.days.map((d) => ({ day: d.day, kind: d.kind, name: d.name.trim() }));
  const problems = calendarDayProblems(year, days);
  if (!source) problems.push({ field: '/body/source', message: 'is empty' });
  invalidFields(problems);
  days.sort((a, b) => a.day.localeCompare(b.day));
  return services.db.transaction().execute(async (trx) => {
    await lockName(trx, `calendar_year:${year}`);
    const stored = await repo.calendarYear(trx, year);
    const before = stored ? await repo.daysOfYear(trx, year) : [];
    const today = chinaDay(now);
    const past = stored ? firstPastDayChanged(before, days, today) : null;
    if (past)
      throw conflict(
        'calendar_past_day_changed',
        `${past} is past (today is ${today}): whether it was a working day stays as it was; change only today or later`,
      );
    await repo.replaceYear(trx, year, { source, days, at: now, by: caller.actor.type === 'user' ? caller.actor.id : null });
    const line = (d: CalendarDay) => `${d.day} ${d.kind} ${d.name}`;
    const was = new Set(before.map(line));
    const is = new Set(days.map(line));
    await recordAudit(
      trx,
      caller,
      {
        action: 'calendar.replace_year',
        subjectType: 'calendar_year',
        subjectId: year,
        changes: {
          ...(stored?.source !== source ? { source: [stored?.source ?? null, source] } : {}),
          added: days.map(line).filter((l) => !was.has(l)),
          removed: before.map(line).filter((l) => !is.has(l)),
        },
      },
      now,
    );
    return presentYear(trx, year);
  });
}
