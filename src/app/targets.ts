// R11 (issue 14): the monthly jobs of key targets (重点测评对象) and of staff
// flagged for replacement, and the deadlines of both. The figures of a month
// are the rankings' own (the score totals: counted ratings of the month's
// China days, defaults included, voided and revoked ones not, a package's
// composite rating for each agency and region involved, R3, R6, R8); the
// rules are src/domain/targets.ts; the findings go through the engine of
// src/app/findings.ts, whose keys make a run twice, or two at once, create
// nothing twice. Each finding is its own transaction; a step is taken with
// the finding locked and its table asked again (as runDeadlines does).
import type { Kysely } from 'kysely';
import { ROOT_PATH } from '../domain/access.ts';
import { POLICY } from '../domain/policy.ts';
import { periodSegments } from '../domain/scores.ts';
import {
  addMonths,
  daysOf,
  groupNumbers,
  hasRecovered,
  isKeyTarget,
  KEY_TARGET_REGION_LEVELS,
  keyTargetExplanation,
  keyTargetThresholds,
  lastInstantOf,
  monthBefore,
  monthStandings,
  repeatOf,
  replacementDeadline,
  replacementDecision,
  replacementExplanation,
  type FlaggedMonth,
  type KeyTargetSubject,
  type Month,
  type Standing,
  type StaffMonth,
} from '../domain/targets.ts';
import { findingMachineOf } from '../domain/workflows/index.ts';
import { next } from '../domain/workflows/machine.ts';
import { lockName } from '../storage/cases.ts';
import * as repo from '../storage/findings.ts';
import { moveAfter, staffHistory, staffPlacesAt, transferredReplacementIds } from '../storage/targets.ts';
import type { DB } from '../storage/schema.ts';
import * as scores from '../storage/scores.ts';
import { systemCaller, type Caller, type Services } from './context.ts';
import { applyFindingStep, createFinding, findingFactsOf, type FindingChange, type NewFindingFields } from './findings.ts';
import { policyAt } from './policy.ts';

type Db = Kysely<DB>;
type Finding = repo.FindingRow;
type JobServices = Pick<Services, 'db'>;

const SYSTEM_STEP = { party: 'system' } as const;

/** A key target's key: one per subject and month. */
export const keyTargetKey = (type: KeyTargetSubject, key: string, month: Month) => `${type}:${key}:${month}`;
/** A replacement's key: one per staff member and job month. */
export const replacementKey = (staffId: number, month: Month) => `staff:${staffId}:${month}`;

// ——— key targets ———

export interface KeyTargetRun {
  month: Month;
  policyVersionId: number;
  /** Subjects with counted ratings in the month (of every type). */
  subjects: number;
  /** Key targets found. */
  targets: number;
  /** Of them, created by this run (the others were there already). */
  created: number;
  /** Of those created, repeating the month before's. */
  repeated: number;
}

interface Candidate {
  type: KeyTargetSubject;
  key: string;
  name: string;
  counted: number;
  bad: number;
}

/**
 * R11: the key targets of a China month (by default the one before `now`'s),
 * under the policy version in force on its last day: each a key_target
 * finding in the queue of its place's supervisory department. Safe to run
 * again: a subject's month is created once.
 */
export async function runKeyTargets(services: JobServices, now: Date, month: Month = monthBefore(now)): Promise<KeyTargetRun> {
  const db = services.db;
  const policy = await policyAt(db, lastInstantOf(month));
  const thresholds = keyTargetThresholds(policy.numbers);
  const caller = systemCaller('key-targets job');
  const candidates = await keyTargetCandidates(db, month);
  const run: KeyTargetRun = { month, policyVersionId: policy.id, subjects: candidates.length, targets: 0, created: 0, repeated: 0 };
  const { first, last } = daysOf(month);
  for (const c of candidates) {
    if (!isKeyTarget(c, thresholds)) continue;
    run.targets++;
    const created = await db.transaction().execute(async (trx) => {
      const found = await placeOfSubject(trx, c, lastInstantOf(month));
      if (!found) return undefined;
      const previous = await repo.findingByKey(trx, 'key_target', keyTargetKey(c.type, c.key, addMonths(month, -1)));
      const repeat = repeatOf(previous && { id: previous.id, streak: (previous.details as { streak?: unknown }).streak });
      const explanation = keyTargetExplanation(month, c, thresholds, repeat.streak);
      return createFinding(
        trx,
        caller,
        {
          workflow: 'key_target',
          subject: { type: c.type, key: c.key, name: found.name },
          periodStart: first,
          periodEnd: last,
          dedupKey: keyTargetKey(c.type, c.key, month),
          place: found.place,
          policyVersionId: policy.id,
          details: { month, counted: c.counted, bad: c.bad, share: c.bad / c.counted, thresholds, explanation, ...repeat },
          note: explanation,
        },
        now,
      );
    });
    if (created) {
      run.created++;
      if ((created.details as { repeated?: boolean }).repeated) run.repeated++;
    }
  }
  return run;
}

/** Every subject with counted ratings in the month, with its counted and bad ratings: staff, agencies, lines, cities and counties. */
async function keyTargetCandidates(db: Db, month: Month): Promise<Candidate[]> {
  const bad = (r: scores.RankingRow) => r.n_dissatisfied + r.n_very_dissatisfied;
  const [staff, agencies, lines, ...regions] = await Promise.all([
    monthFigures(db, 'staff', month),
    monthFigures(db, 'agencies', month),
    monthFigures(db, 'business-lines', month),
    ...KEY_TARGET_REGION_LEVELS.map((level) => monthFigures(db, 'regions', month, { regionLevel: level })),
  ]);
  return [
    ...staff.map((r) => ({ type: 'staff' as const, key: r.key, name: r.name, counted: r.n, bad: bad(r) })),
    ...agencies.map((r) => ({ type: 'agency' as const, key: r.key, name: r.name, counted: r.n, bad: bad(r) })),
    ...lines.map((r) => ({ type: 'business_line' as const, key: r.key, name: r.name, counted: r.n, bad: bad(r) })),
    // A county is named with its city (南宁市兴宁区): county names repeat across Guangxi.
    ...regions.flatMap((level, i) =>
      level.map((r) => ({
        type: 'region' as const,
        key: r.key,
        name: KEY_TARGET_REGION_LEVELS[i]! > 2 ? `${r.parent_name ?? ''}${r.name}` : r.name,
        counted: r.n,
        bad: bad(r),
      })),
    ),
  ];
}

/**
 * A month's totals of every entry of a dimension, as its ranking counts them
 * (regions: the whole subtree). One statement, so one snapshot.
 */
async function monthFigures(db: Db, dimension: scores.RankedDimension, month: Month, filter: scores.RankingScope = {}) {
  const { first, last } = daysOf(month);
  const range = { from: first, to: last };
  return scores.rankingPage(db, {
    dimension,
    regionScope: 'subtree',
    filter,
    order: 'mean',
    minCount: POLICY.rankingMinCount,
    limit: 2_000_000_000,
    offset: 0,
    range,
    segments: periodSegments(range),
    asOf: null,
  });
}

/**
 * Where a subject's finding belongs, and its name: a staff member at their
 * agency (where they sat at `at`, the month's end), an agency at its region,
 * a business line at the autonomous region (its supervisor), a region at
 * itself.
 */
async function placeOfSubject(db: Db, c: Candidate, at: Date): Promise<{ place: NewFindingFields['place']; name: string } | undefined> {
  switch (c.type) {
    case 'staff': {
      const s = (await staffPlacesAt(db, [Number(c.key)], at)).get(Number(c.key));
      return (
        s && {
          place: { regionPath: s.path, agencyCode: s.agency_code, businessLineCode: s.business_line_code, staffId: s.id },
          name: staffName(s),
        }
      );
    }
    case 'agency': {
      const a = await repo.placeOfAgency(db, c.key);
      return a && { place: { regionPath: a.path, agencyCode: a.code, businessLineCode: a.business_line_code, staffId: null }, name: c.name };
    }
    case 'business_line':
      return { place: { regionPath: ROOT_PATH, agencyCode: null, businessLineCode: c.key, staffId: null }, name: c.name };
    case 'region': {
      const g = await db.selectFrom('region').select('path').where('code', '=', c.key).executeTakeFirst();
      return g && { place: { regionPath: g.path, agencyCode: null, businessLineCode: null, staffId: null }, name: c.name };
    }
  }
}

/** '黄一（工号 S1，兴宁区市场监管局）'. */
const staffName = (s: { name: string; staff_number: string; agency_name: string }) => `${s.name}（工号 ${s.staff_number}，${s.agency_name}）`;

// ——— replacement ———

export interface ReplacementRun {
  month: Month;
  policyVersionId: number;
  /** Staff ranked in the month, and of them at the bottom of their group. */
  ranked: number;
  bottom: number;
  flagged: number;
  recovered: number;
  transferred: number;
}

/**
 * R11: for a China month (by default the one before `now`'s): closes the
 * replacements of staff transferred since they were flagged, and of staff
 * ranked and not at the bottom in this month after their flag's months
 * (recovered); flags the staff at the bottom of their ranking group in each
 * of the policy's `periods` months ending with this one, after a month in
 * which they were a key target. Safe to run again.
 */
export async function runReplacement(services: JobServices, now: Date, month: Month = monthBefore(now)): Promise<ReplacementRun> {
  const db = services.db;
  const caller = systemCaller('replacement job');
  const policy = await policyAt(db, lastInstantOf(month));
  const { periods, bottomN, deadlineDays } = policy.numbers.replacement;
  const months = Array.from({ length: periods }, (_, i) => addMonths(month, i - periods + 1));
  const standings = new Map<Month, Map<number, Standing>>();
  for (const m of months) standings.set(m, await standingsOf(db, m));
  const current = standings.get(month)!;
  // Moves first (as every 15 minutes), then recoveries in this month, then new flags.
  const transferred = await closeTransferred(db, caller, now);
  const recovered = await closeRecovered(db, caller, now, month, current);
  const run: ReplacementRun = {
    month,
    policyVersionId: policy.id,
    ranked: current.size,
    bottom: [...current.values()].filter((s) => s.bottom).length,
    flagged: 0,
    recovered,
    transferred,
  };

  const candidates = [...current.values()].filter((s) => months.every((m) => standings.get(m)!.get(s.staffId)?.bottom)).map((s) => s.staffId);
  const places = await staffPlacesAt(db, candidates, lastInstantOf(month));
  const dueAt = replacementDeadline(now, deadlineDays);
  for (const staffId of candidates) {
    const place = places.get(staffId);
    if (!place) continue;
    const created = await db.transaction().execute(async (trx) => {
      // One decision per staff member at a time: the facts read below stay true until this commits.
      await lockName(trx, `replacement:staff:${staffId}`);
      const history = await staffHistory(trx, staffId, daysOf(months[0]!).first);
      const decision = replacementDecision({ months, standings: months.map((m) => standings.get(m)!.get(staffId)), ...history });
      if (!decision.flag) return undefined;
      const flagged: FlaggedMonth[] = months.map((m) => {
        const s = standings.get(m)!.get(staffId)!;
        return { month: m, rank: s.rank, of: s.of, score: Math.round(s.score * 100) / 100, group: s.group };
      });
      const explanation = replacementExplanation(flagged, decision.keyTargetMonth, bottomN, dueAt);
      return createFinding(
        trx,
        caller,
        {
          workflow: 'replacement',
          subject: { type: 'staff', key: String(staffId), name: staffName(place) },
          periodStart: daysOf(months[0]!).first,
          periodEnd: daysOf(month).last,
          dedupKey: replacementKey(staffId, month),
          place: { regionPath: place.path, agencyCode: place.agency_code, businessLineCode: place.business_line_code, staffId },
          policyVersionId: policy.id,
          dueAt,
          details: {
            periods: flagged,
            bottomN,
            keyTargetId: history.keyTargets.get(decision.keyTargetMonth) ?? null,
            keyTargetMonth: decision.keyTargetMonth,
            explanation,
          },
          note: explanation,
        },
        now,
      );
    });
    if (created) run.flagged++;
  }
  return run;
}

/** R11: each ranked staff member's standing in a month, under the policy version in force on its last day. */
async function standingsOf(db: Db, month: Month): Promise<Map<number, Standing>> {
  const numbers = groupNumbers((await policyAt(db, lastInstantOf(month))).numbers);
  const rows = (await monthFigures(db, 'staff', month)).filter((r) => r.n >= numbers.minSample);
  const places = await staffPlacesAt(
    db,
    rows.map((r) => Number(r.key)),
    lastInstantOf(month),
  );
  const staff: StaffMonth[] = [];
  for (const r of rows) {
    const p = places.get(Number(r.key));
    if (p)
      staff.push({ staffId: p.id, n: r.n, scoreSum: r.score_sum, agencyCode: p.agency_code, businessLineCode: p.business_line_code, regionLevel: p.level });
  }
  return monthStandings(staff, numbers);
}

/** R11: open replacements whose months are over, of staff ranked and not at the bottom in `month`, are closed as recovered. */
async function closeRecovered(db: Db, caller: Caller, now: Date, month: Month, standings: Map<number, Standing>): Promise<number> {
  const first = daysOf(month).first;
  let closed = 0;
  for (const id of await repo.openFindingIds(db, 'replacement')) {
    const took = await db.transaction().execute(async (trx) => {
      const f = await repo.lockFinding(trx, id);
      if (!f || f.closed_at || !f.period_end || f.period_end >= first || f.staff_id === null) return false;
      const s = standings.get(f.staff_id);
      if (!hasRecovered(s)) return false;
      const recovery = { month, rank: s!.rank, of: s!.of, score: Math.round(s!.score * 100) / 100, group: s!.group };
      return step(trx, caller, f, 'recover', now, {
        note: `${month} 排名第 ${recovery.rank}/${recovery.of} 名，已不在所在组后 ${(f.details as { bottomN?: number }).bottomN ?? '—'} 位`,
        details: { recovery },
        audit: { month, rank: recovery.rank, of: recovery.of },
      });
    });
    if (took) closed++;
  }
  return closed;
}

/**
 * R11: open replacements of staff moved since they were flagged (a transfer,
 * or a move by a catalogue import: a new assignment after the flag opened)
 * are closed as transferred.
 */
async function closeTransferred(db: Db, caller: Caller, now: Date, batch = 500): Promise<number> {
  let closed = 0;
  for (const id of await transferredReplacementIds(db, now, batch)) {
    const took = await db.transaction().execute(async (trx) => {
      const f = await repo.lockFinding(trx, id);
      if (!f || f.closed_at || f.staff_id === null) return false;
      const move = await moveAfter(trx, f.staff_id, f.opened_at, now);
      if (!move) return false;
      const transfer = { at: move.valid_from.toISOString(), agencyCode: move.agency_code, agencyName: move.agency_name, reason: move.reason };
      return step(trx, caller, f, 'transfer', now, {
        note: `已调整至 ${move.agency_name}（${transfer.at}）`,
        details: { transfer },
        audit: { transferredAt: transfer.at, agency: move.agency_code },
      });
    });
    if (took) closed++;
  }
  return closed;
}

// ——— deadlines ———

export interface FindingDeadlineRun {
  /** Replacements closed because the staff member was moved. */
  transferred: number;
  /** Key targets whose measures' deadline passed. */
  keyTargetsOverdue: number;
  /** Replacements whose deadline passed, and of them escalated to the supervisory department. */
  replacementsOverdue: number;
  escalated: number;
}

/**
 * R11, every 15 minutes with the supervision loop's deadlines: replacements
 * of staff moved since are closed; key targets whose measures are past
 * their deadline are flagged overdue; replacements past theirs are flagged
 * overdue and escalated to the supervisory department of their place (whose
 * queue reads escalated_to). Each finding its own transaction, locked, its
 * table asked again: two runs at once never take one step twice.
 */
export async function runFindingDeadlines(services: JobServices, now: Date, batch = 500): Promise<FindingDeadlineRun> {
  const db = services.db;
  const caller = systemCaller('supervision-deadlines job');
  const each = async (ids: number[], event: 'flag_overdue' | 'escalate', change: (trx: Db, f: Finding) => Promise<FindingChange>) => {
    let took = 0;
    for (const id of ids)
      if (
        await db.transaction().execute(async (trx) => {
          const f = await repo.lockFinding(trx, id);
          return !!f && !f.closed_at && step(trx, caller, f, event, now, await change(trx, f));
        })
      )
        took++;
    return took;
  };
  const overdue = async () => ({ patch: { overdue_at: now }, note: '已超过期限' });
  const result: FindingDeadlineRun = {
    transferred: await closeTransferred(db, caller, now, batch),
    keyTargetsOverdue: 0,
    replacementsOverdue: 0,
    escalated: 0,
  };
  result.keyTargetsOverdue = await each(await repo.dueFindingIds(db, 'key_target', now, batch, 'not_overdue'), 'flag_overdue', overdue);
  result.replacementsOverdue = await each(await repo.dueFindingIds(db, 'replacement', now, batch, 'not_overdue'), 'flag_overdue', overdue);
  result.escalated = await each(await repo.dueFindingIds(db, 'replacement', now, batch, 'not_escalated'), 'escalate', async (trx, f) => {
    const to = await repo.departmentOf(trx, f.region_path);
    return { patch: { escalated_at: now, escalated_to: to }, note: '逾期未调整，提交监管部门督办', audit: { escalatedTo: to } };
  });
  return result;
}

/** Takes a system step on a locked finding if its table allows it now (false when it does not: another run took it, or it moved on). */
async function step(trx: Db, caller: Caller, f: Finding, event: string, now: Date, change: FindingChange): Promise<boolean> {
  const asked = next(findingMachineOf(f.workflow), f.state, event, SYSTEM_STEP, now, findingFactsOf(f), {});
  if (!asked.ok) return false;
  await applyFindingStep(trx, caller, f, event, SYSTEM_STEP, now, {}, change);
  return true;
}
