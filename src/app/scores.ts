// R3, R8, R13, R14: scores, rankings, the ratings behind a figure, exports,
// and the upkeep of the totals (fold, verify). R6, R11: a rating stops
// counting when voided or revoked.
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { maskName } from '../domain/applicants.ts';
import { conflict, invalid, notFound } from '../domain/errors.ts';
import { POLICY } from '../domain/policy.ts';
import { LEVELS, LEVEL_NAMES, type Level } from '../domain/ratings.ts';
import { GUANGXI_CODE, normalizeRegionCode } from '../domain/regions.ts';
import {
  DIMENSIONS,
  FIRST_YEAR,
  periodSegments,
  presentScore,
  readRange,
  type DayRange,
  type Dimension,
  type RankingOrder,
  type RegionScope,
  type StoredDimension,
  type Totals,
} from '../domain/scores.ts';
import type { DB } from '../storage/schema.ts';
import * as scores from '../storage/scores.ts';
import { rectificationRates as storedRectificationRates } from '../storage/supervision.ts';
import { findingMarks, violationCounts, type MarkDimension } from '../storage/findings.ts';
import type { SubjectType } from '../storage/schemaFindings.ts';
import { deadlineWindow, rectificationRate, type RectificationRate } from '../domain/rectificationRate.ts';
import type { Caller, Services } from './context.ts';
import { notFoundInScope, rankingLimits, readScope, requireAccess, within as scopeHolds } from '../domain/access.ts';
import { parseRegionCode, requireRegion } from './regions.ts';
import { writeSheet, type SheetFormat } from './spreadsheets.ts';
import { yieldToEventLoop } from './eventLoop.ts';
import { cachedRanking } from './rankingCache.ts';

const NOT_FOUND: Record<Dimension, [string, string]> = {
  staff: ['staff_not_found', 'No staff member has the number'],
  agencies: ['agency_not_found', 'No agency has the code'],
  'business-lines': ['business_line_not_found', 'No business line has the code'],
  regions: ['region_not_found', 'No region has the code'],
  centers: ['center_not_found', 'No center has the code'],
};

export interface PeriodInput {
  period?: string;
  from?: string;
  to?: string;
  /** ISO instant: the figures as they stood then. */
  asOf?: string;
}

interface Period {
  range: DayRange;
  asOf: Date | null;
}

function readPeriod(services: Services, input: PeriodInput): Period {
  const range = readRange(input, { first: FIRST_YEAR, last: services.now().getUTCFullYear() + 1 });
  let asOf: Date | null = null;
  if (input.asOf !== undefined) {
    asOf = new Date(input.asOf);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(input.asOf) || Number.isNaN(asOf.getTime())) {
      throw invalid('validation_failed', '/querystring/asOf must be an ISO 8601 instant, e.g. 2026-12-01T00:00:00+08:00', [
        { field: '/querystring/asOf', message: 'is not an instant' },
      ]);
    }
    if (asOf.getUTCFullYear() < FIRST_YEAR) {
      throw invalid('validation_failed', `/querystring/asOf must be from ${FIRST_YEAR} on`, [
        { field: '/querystring/asOf', message: `must be from ${FIRST_YEAR} on` },
      ]);
    }
    if (asOf.getTime() > services.now().getTime())
      throw invalid('as_of_in_future', 'asOf is in the future: figures can only be given as they stood at a past instant');
  }
  return { range, asOf };
}

const toTotals = (row: scores.TotalsRow): Totals => ({
  n: row.n,
  scoreSum: row.score_sum,
  levels: Object.fromEntries(LEVEL_NAMES.map((l) => [l, row[`n_${l}` as keyof scores.TotalsRow] as number])) as Record<Level, number>,
  nDefault: row.n_default,
  activeSum: row.active_sum,
});

/**
 * What a score is of, if the caller's scope holds it (R2). To a scoped
 * caller, outside and absent look the same: 404 not_found_in_scope.
 */
async function subjectOf(db: Kysely<DB>, caller: Caller, dimension: Dimension, label: string): Promise<scores.Subject> {
  requireAccess(caller.actor, 'scores.read');
  const scope = readScope(caller.actor);
  const code = dimension === 'regions' ? normalizeRegionCode(label) : label.trim();
  const subject = code ? await scores.findSubject(db, dimension, code) : undefined;
  const place = subject && { regionPath: subject.region_path, agencyCode: subject.agency_code, businessLineCode: subject.line_code, staffId: subject.staff_id };
  if (place && scopeHolds(scope, place)) return subject;
  if (scope.kind !== 'all') throw notFoundInScope(NOT_FOUND[dimension][0].replace('_not_found', '').replace('_', ' '));
  const [id, text] = NOT_FOUND[dimension];
  throw notFound(id, `${text} ${label}`);
}

/**
 * R12, R13: the rectification rates (整改率) of agencies or regions, by code,
 * for the deadlines on the days of `range`, as they stand now — one query for
 * all the codes. Null where the rate is not given: for staff, business lines
 * and centers (R13 publishes it for agencies and regions), and as of a past
 * instant, which the supervision items cannot reproduce (an extension,
 * reopening or cancellation changes an item in place; docs/decisions.md,
 * "Rectification rate").
 */
async function rectificationOf(
  services: Services,
  dimension: Dimension,
  regionScope: RegionScope,
  codes: string[],
  range: DayRange,
  asOf: Date | null,
): Promise<(code: string) => RectificationRate | null> {
  if (asOf || (dimension !== 'agencies' && dimension !== 'regions')) return () => null;
  const stored = dimension === 'agencies' ? 'agency' : regionScope === 'level' ? 'region_level' : 'region';
  const { after, until } = deadlineWindow(range);
  const rows = await storedRectificationRates(services.db, stored, codes, after, until, services.now());
  const byCode = new Map(rows.map((r) => [r.key, rectificationRate(r.due, r.on_time)]));
  return (code) => byCode.get(code) ?? rectificationRate(0, 0);
}

/** Issue 14 (R10, R11): what the platform found about an entry in the period. */
export interface Marks {
  /** R10: violations (confirmed faked good ratings) recorded against it in the period. */
  violations: number;
  /** R11: key-target findings of a month in the period (ids). */
  keyTargets: number[];
  /** R11: replacement flags whose months overlap the period (ids; staff only). */
  replacements: number[];
}

const MARK_SUBJECT: Record<Dimension, SubjectType | null> = {
  staff: 'staff',
  agencies: 'agency',
  'business-lines': 'business_line',
  regions: 'region',
  centers: null,
};

/**
 * R10, R11: violations, key targets and replacement flags of ranking
 * entries (by the code people know), for the days of `range` — one query
 * each for all the codes. Violations are by when they were recorded; marks
 * as of a past instant are as they stand now (findings are not in the
 * score ledger).
 */
async function marksOf(
  services: Services,
  dimension: Dimension,
  regionScope: RegionScope,
  labels: string[],
  range: DayRange,
): Promise<(label: string) => Marks> {
  const empty: Marks = { violations: 0, keyTargets: [], replacements: [] };
  const subjectType = MARK_SUBJECT[dimension];
  if (!labels.length || !subjectType) return () => empty;
  // Staff are ranked by staff number; findings and violations name them by id.
  const keyOf = new Map<string, string>();
  if (dimension === 'staff')
    for (const s of await services.db.selectFrom('staff').select(['id', 'staff_number']).where('staff_number', 'in', labels).execute())
      keyOf.set(s.staff_number, String(s.id));
  else for (const l of labels) keyOf.set(l, l);
  const keys = [...keyOf.values()];
  const from = new Date(Date.parse(`${range.from}T00:00:00+08:00`));
  const to = new Date(Date.parse(`${range.to}T00:00:00+08:00`) + 86_400_000);
  const [violations, marks] = await Promise.all([
    violationCounts(services.db, dimension as MarkDimension, keys, from, to, regionScope),
    findingMarks(services.db, subjectType, keys, range.from, range.to),
  ]);
  return (label) => {
    const key = keyOf.get(label);
    if (!key) return empty;
    const m = marks.get(key);
    return { violations: violations.get(key) ?? 0, keyTargets: m?.keyTarget ?? [], replacements: m?.replacement ?? [] };
  };
}

export interface ScoreInput extends PeriodInput {
  dimension: Dimension;
  key: string;
  /** Regions only: the whole subtree (default) or this level only (R3). */
  scope?: RegionScope;
}

function storedOf(dimension: Dimension, scope: RegionScope | undefined): StoredDimension {
  if (scope === 'level' && dimension !== 'regions')
    throw invalid('filter_not_applicable', 'scope=level is for regions only (R3)', [{ field: '/querystring/scope', message: 'is for regions only' }]);
  return dimension === 'regions' && scope === 'level' ? 'region' : DIMENSIONS[dimension].stored;
}

/** R3: one score — a mean over the counted ratings, with its interval and what it is made of. */
export async function getScore(services: Services, caller: Caller, input: ScoreInput) {
  return (await scoreWithSubject(services, caller, input)).score;
}

async function scoreWithSubject(services: Services, caller: Caller, input: ScoreInput) {
  const stored = storedOf(input.dimension, input.scope);
  const { range, asOf } = readPeriod(services, input);
  const subject = await subjectOf(services.db, caller, input.dimension, input.key);
  const row = await scores.totalsOf(services.db, { dimension: stored, range, segments: periodSegments(range), asOf, key: subject.key });
  const rectification = await rectificationOf(services, input.dimension, input.scope ?? 'subtree', [subject.label], range, asOf);
  const marks = await marksOf(services, input.dimension, input.scope ?? 'subtree', [subject.label], range);
  const score = {
    dimension: input.dimension,
    key: subject.label,
    name: subject.name,
    scope: input.dimension === 'regions' ? (input.scope ?? 'subtree') : null,
    from: range.from,
    to: range.to,
    asOf: asOf?.toISOString() ?? null,
    ...presentScore(toTotals(row)),
    rectification: rectification(subject.label),
    marks: marks(subject.label),
  };
  return { score, subject, stored, range, asOf };
}

export interface RankingInput extends PeriodInput {
  dimension: Dimension;
  scope?: RegionScope;
  within?: string;
  level?: number;
  line?: string;
  central?: boolean;
  order?: RankingOrder;
  minCount?: number;
}

async function resolveRanking(services: Services, caller: Caller, input: RankingInput) {
  requireAccess(caller.actor, 'scores.read');
  const { range, asOf } = readPeriod(services, input);
  const d = input.dimension;
  const notFor = (field: string, what: string) =>
    invalid('filter_not_applicable', `${field} does not apply to a ranking of ${d}`, [
      { field: `/querystring/${field}`, message: `does not apply to ${what}` },
    ]);
  if (input.scope === 'level' && d !== 'regions') throw notFor('scope', d);
  if (input.line !== undefined && (d === 'business-lines' || d === 'regions' || d === 'centers')) throw notFor('line', d);
  if (input.central !== undefined && (d === 'business-lines' || d === 'regions' || d === 'centers')) throw notFor('central', d);
  const asked = input.within === undefined ? undefined : await requireRegion(services.db, parseRegionCode(input.within, '/querystring/within'));
  // R2: a scope narrows the ranking (a supervisor's region, a line manager's line, an agency's staff).
  const limits = rankingLimits(readScope(caller.actor), { dimension: d, within: asked, line: input.line ?? null });
  const within = limits.withinCode && limits.withinCode !== asked?.code ? await requireRegion(services.db, limits.withinCode) : asked;
  if (limits.line !== null && !(await scores.findSubject(services.db, 'business-lines', limits.line))) {
    throw notFound('business_line_not_found', `No business line has the code ${limits.line}`);
  }
  // A ranking of regions compares regions of one level: by default the level below `within`, or the cities.
  const level = input.level ?? (d === 'regions' ? Math.min(5, (within?.level ?? 1) + 1) : null);
  const order = input.order ?? 'mean';
  const minCount = input.minCount ?? POLICY.rankingMinCount;
  const regionScope = input.scope ?? 'subtree';
  const query: Omit<scores.RankingQuery, 'limit' | 'offset'> = {
    dimension: d,
    range,
    segments: periodSegments(range),
    asOf,
    regionScope,
    filter: {
      withinPath: within?.path ?? null,
      regionLevel: level,
      businessLine: limits.line,
      centralUnit: input.central ?? null,
      agencyCode: limits.agencyCode,
    },
    order,
    minCount,
  };
  return {
    query,
    rectification: (codes: string[]) => rectificationOf(services, d, regionScope, codes, range, asOf),
    marks: (labels: string[]) => marksOf(services, d, regionScope, labels, range),
    described: {
      dimension: d,
      from: range.from,
      to: range.to,
      asOf: asOf?.toISOString() ?? null,
      scope: d === 'regions' ? regionScope : null,
      within: within ? { code: within.code, name: within.name } : null,
      level,
      line: limits.line,
      central: input.central ?? null,
      order,
      minCount,
    },
  };
}

function presentEntry(row: scores.RankingRow, rectification: (code: string) => RectificationRate | null, marks: (label: string) => Marks) {
  return {
    rank: row.rank,
    key: row.label,
    name: row.name,
    region: row.region_code ? { code: row.region_code, name: row.region_name! } : null,
    parent: row.parent_name,
    ...presentScore(toTotals(row)),
    rectification: rectification(row.label),
    marks: marks(row.label),
  };
}

/** Whether a ranking is read through the cache (src/app/rankingCache.ts); false: rankingSql() alone, the oracle of its tests. */
export interface RankingOptions {
  cache?: boolean;
}

/** R13, R14: one page of a ranking. */
export async function getRanking(
  services: Services,
  caller: Caller,
  input: RankingInput,
  page: { page: number; pageSize: number },
  options: RankingOptions = {},
) {
  const { query, rectification, marks, described } = await resolveRanking(services, caller, input);
  const limit = page.pageSize;
  const offset = (page.page - 1) * page.pageSize;
  const view = options.cache === false ? null : await cachedRanking(services.db, query);
  let rows: scores.RankingRow[];
  let counts: { total: number; ranked: number };
  let ratesAndMarks: Promise<[Awaited<ReturnType<typeof rectification>>, Awaited<ReturnType<typeof marks>>]> | undefined;
  if (view) {
    // An entry's key is the code people know (but for staff: an id, known by number), so its rates and marks are read alongside its name.
    const codes = input.dimension === 'staff' ? null : view.keys(offset, limit);
    ratesAndMarks = codes ? Promise.all([rectification(codes), marks(codes)]) : undefined;
    ratesAndMarks?.catch(() => {}); // awaited below, unless reading the page fails first
    rows = await view.page(offset, limit);
    counts = view;
  } else {
    rows = await scores.rankingPage(services.db, { ...query, limit, offset });
    // Past the last page there are no rows to read the totals from.
    const totals = rows[0] ?? (page.page > 1 ? (await scores.rankingPage(services.db, { ...query, limit: 1, offset: 0 }))[0] : undefined);
    counts = { total: totals?.total ?? 0, ranked: totals?.ranked_total ?? 0 };
  }
  // R12, R13 rates and R10, R11 marks are read for the page, now (they are not in the cache).
  const [rates, marked] = await (ratesAndMarks ?? Promise.all([rectification(rows.map((r) => r.label)), marks(rows.map((r) => r.label))]));
  return {
    ...described,
    total: counts.total,
    ranked: counts.ranked,
    page: page.page,
    pageSize: page.pageSize,
    items: rows.map((row) => presentEntry(row, rates, marked)),
  };
}

const EXPORT_BATCH = 1000;
const fixed = (x: number | null | undefined, digits: number) => (x === null || x === undefined ? '' : Number(x.toFixed(digits)));

/** A ranking as .xlsx or CSV, streamed in pages (flat memory). No rater identity is in a ranking. */
export async function exportRanking(
  services: Services,
  caller: Caller,
  input: RankingInput,
  format: SheetFormat,
  options: RankingOptions = {},
): Promise<{ stream: Readable; filename: string }> {
  const { query, rectification, marks, described } = await resolveRanking(services, caller, input);
  // Through the cache, every batch is a slice of one ranked list (one snapshot of the scores).
  const view = options.cache === false ? null : await cachedRanking(services.db, query);
  // R13: agencies and regions carry their rectification rate (empty cells as of a past instant).
  const withRate = input.dimension === 'agencies' || input.dimension === 'regions';
  // R10, R11: violations and key-target marks (not for centers); replacement flags for staff.
  const withMarks = input.dimension !== 'centers';
  const withReplacement = input.dimension === 'staff';
  const header = [
    '名次',
    '代码',
    '名称',
    '所属地区',
    '上级',
    '评价数',
    '平均分',
    '95%区间下限',
    '95%区间上限',
    ...LEVEL_NAMES.map((l) => LEVELS[l].zh),
    '差评数',
    '差评率',
    '默认好评数',
    '主动评价数',
    '主动评价率',
    '主动评价平均分',
    ...(withRate ? ['应整改数', '按期整改数', '整改率'] : []),
    ...(withMarks ? ['刷好评违规数', '重点测评对象'] : []),
    ...(withReplacement ? ['待调整（末位）'] : []),
  ];
  async function* rows() {
    for (let offset = 0; ; offset += EXPORT_BATCH) {
      const batch = view ? await view.page(offset, EXPORT_BATCH) : await scores.rankingPage(services.db, { ...query, limit: EXPORT_BATCH, offset });
      const [rates, marked] = await Promise.all([rectification(batch.map((r) => r.label)), marks(batch.map((r) => r.label))]);
      for (const row of batch) {
        const e = presentEntry(row, rates, marked);
        yield [
          e.rank ?? '不参与排名',
          e.key,
          e.name,
          e.region?.name ?? '',
          e.parent ?? '',
          e.count,
          fixed(e.mean, 4),
          fixed(e.interval?.low, 4),
          fixed(e.interval?.high, 4),
          ...LEVEL_NAMES.map((l) => e.levels[l]),
          e.negative,
          fixed(e.negativeShare, 4),
          e.defaults,
          e.active.count,
          fixed(e.active.rate, 4),
          fixed(e.active.mean, 4),
          ...(withRate ? [e.rectification?.due ?? '', e.rectification?.onTime ?? '', fixed(e.rectification?.rate, 4)] : []),
          ...(withMarks ? [e.marks.violations, e.marks.keyTargets.length ? '是' : ''] : []),
          ...(withReplacement ? [e.marks.replacements.length ? '是' : ''] : []),
        ];
      }
      if (view ? offset + EXPORT_BATCH >= view.total : batch.length < EXPORT_BATCH) return;
      await yieldToEventLoop();
    }
  }
  const name = `${DIMENSIONS[input.dimension].zh}排名 ${described.from}至${described.to}`;
  return { stream: writeSheet(format, DIMENSIONS[input.dimension].zh + '排名', header, rows()), filename: `${name}.${format}` };
}

/** R3, R13: the ratings behind a score, newest first; the rater is masked (R9). */
export async function ratingsBehindScore(services: Services, caller: Caller, input: ScoreInput, page: { page: number; pageSize: number }) {
  const { score, subject, stored, range, asOf } = await scoreWithSubject(services, caller, input);
  const ownScore = caller.actor.type === 'user' && caller.actor.role === 'staff';
  // How many ratings all of the range holds (the whole region's score): with the subject's own count it picks the plan.
  const periodTotal = (await scores.totalsOf(services.db, { dimension: 'region_tree', range, segments: periodSegments(range), asOf, key: GUANGXI_CODE })).n;
  const rows = await scores.ratingsBehind(services.db, {
    dimension: stored,
    key: subject.key,
    path: subject.path ?? undefined,
    range,
    asOf,
    limit: page.pageSize,
    offset: (page.page - 1) * page.pageSize,
    count: score.count,
    periodTotal,
  });
  return {
    // The score's own count: the rows listed are exactly the ratings it counts.
    total: score.count,
    page: page.page,
    pageSize: page.pageSize,
    items: rows.map((r) => ({
      id: r.id,
      givenAt: r.given_at.toISOString(),
      scoreDay: r.score_day,
      level: r.level as Level,
      score: r.score,
      isDefault: r.is_default,
      channel: r.channel,
      tags: r.tags,
      comment: r.comment,
      occasion: { kind: r.occasion_kind, occurredAt: r.occurred_at.toISOString() },
      // R9: the staff member rated sees what was said, not which case (and so whom) it was about.
      caseNumber: ownScore ? null : r.case_number,
      packageNumber: ownScore ? null : r.package_number,
      matterCode: r.matter_code,
      staff: r.staff_number ? { number: r.staff_number, name: r.staff_name! } : null,
      agency: r.agency_code ? { code: r.agency_code, name: r.agency_name! } : null,
      // R9: the rater is shown masked, and only to say that a person gave it.
      rater: ownScore || r.is_default || !r.applicant_name_cipher ? null : maskName(services.protector.decrypt(r.applicant_name_cipher)),
    })),
  };
}

/**
 * The most frequent tags of the negative ratings behind a score, each with
 * the matters of the rated cases it was given to (the dashboard's "what
 * goes wrong, and where"). Same subject, period and access as the score.
 */
export async function negativeTagsOfScore(services: Services, caller: Caller, input: ScoreInput, limits = { tags: 10, matters: 3 }) {
  const { score, subject, stored, range, asOf } = await scoreWithSubject(services, caller, input);
  const rows = await scores.negativeTagsBehind(services.db, { dimension: stored, key: subject.key, path: subject.path ?? undefined, range, asOf });
  const tags = new Map<string, { tag: string; count: number; matters: { code: string | null; name: string | null; count: number }[] }>();
  for (const row of rows) {
    const entry = tags.get(row.tag) ?? { tag: row.tag, count: 0, matters: [] };
    entry.count += row.n;
    entry.matters.push({ code: row.matter_code, name: row.matter_name, count: row.n });
    tags.set(row.tag, entry);
  }
  const byCount = <T extends { count: number }>(a: T, b: T) => b.count - a.count;
  return {
    negative: score.negative,
    tags: [...tags.values()]
      .sort((a, b) => byCount(a, b) || a.tag.localeCompare(b.tag))
      .slice(0, limits.tags)
      .map((t) => ({
        ...t,
        matters: t.matters
          .filter((m) => m.code !== null)
          .sort((a, b) => byCount(a, b) || a.code!.localeCompare(b.code!))
          .slice(0, limits.matters),
      })),
  };
}

/**
 * R6 (review rejects, R10 fake) voids, R11 (objective cause) revokes: the
 * rating stops counting from now; what was published before stays
 * reproducible (as-of). The workflows that decide it call this.
 */
export async function excludeRating(services: Services, ratingId: number, cause: scores.ExclusionCause, reason: string): Promise<void> {
  const text = reason.trim();
  if (!text || text.length > 500)
    throw invalid('validation_failed', 'a reason of 1 to 500 characters is required', [
      { field: '/body/reason', message: 'is required, at most 500 characters' },
    ]);
  await services.db.transaction().execute(async (trx) => {
    const rating = await scores.lockRating(trx, ratingId);
    if (!rating) throw notFound('rating_not_found', `No rating has the id ${ratingId}`);
    if (rating.voided_at || rating.revoked_at) throw conflict('rating_already_excluded', `The rating was ${rating.voided_at ? 'voided' : 'revoked'} already`);
    await scores.excludeRating(trx, ratingId, cause, text, services.now());
  });
}

/** Folds every pending event into the totals, in batches; returns how many. */
export async function foldAll(db: Kysely<DB>, batchSize = 20_000): Promise<number> {
  let total = 0;
  for (;;) {
    const folded = await scores.foldBatch(db, batchSize);
    if (folded === null) return total; // another process is folding
    total += folded;
    if (folded < batchSize) break;
  }
  // Reads join the pending queue: after a large drain, clear its dead rows
  // and tell the planner it is small again (autovacuum would, later).
  if (total >= 10_000) await scores.vacuumPending(db);
  return total;
}

/** Recomputes every total from the ratings (bulk loads, recovery); returns the rows written. */
export async function rebuildScores(db: Kysely<DB>): Promise<number> {
  const rows = await scores.rebuild(db);
  await scores.vacuumPending(db);
  return rows;
}

export async function verifyScores(db: Kysely<DB>) {
  const result = await scores.verify(db);
  return { ...result, pending: await scores.pendingCount(db), ok: result.differences.length === 0 && result.ledgerMismatches === 0 };
}
