// R10 (issue 14): the detection of faked good ratings (刷好评). The job reads
// the facts of recent ratings from the database, asks the signals
// (src/domain/detection/signals.ts, pure: the simulation in bench/fraud.ts
// runs the same code), stores each signal with the ratings it flags, and
// hands it to the investigation of its subject in the supervisory
// department's queue (src/app/findings.ts). Signals and investigations are
// found by their keys: a run twice, or two runs at once, store nothing twice.
import { sql, type Kysely } from 'kysely';
import { identityKey } from '../domain/applicants.ts';
import { readScope, requireAccess } from '../domain/access.ts';
import { invalidFields, type FieldProblem } from '../domain/errors.ts';
import { normalizeMobile } from '../domain/identifiers.ts';
import { chinaDay } from '../domain/occasions.ts';
import type { Level } from '../domain/ratings.ts';
import { detectSignals, type JumpFacts, type WindowCounts } from '../domain/detection/signals.ts';
import { type AttemptFact, type RatingFact, type ServedFact, type Signal, type StaffIdentity, type VerifiedNegative } from '../domain/detection/types.ts';
import * as repo from '../storage/findings.ts';
import type { DB } from '../storage/schema.ts';
import type { SubjectType } from '../storage/schemaFindings.ts';
import type { Caller, Services } from './context.ts';
import { applyFindingStep, createFinding } from './findings.ts';
import { policyAt } from './policy.ts';

type Db = Kysely<DB>;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface DetectionRun {
  from: Date;
  to: Date;
  signals: number;
  newSignals: number;
  investigationsOpened: number;
  ratingsFlagged: number;
}

/**
 * Runs the signals over the ratings given in [from, to) — by default the
 * last three days, so that a burst across a run's edge is seen whole by a
 * later run — and the monthly tests over the months that window touches.
 */
export async function runDetection(services: Services, now: Date, options: { from?: Date } = {}): Promise<DetectionRun> {
  const db = services.db;
  const to = now;
  const from = options.from ?? new Date(now.getTime() - 3 * DAY);
  const policy = await policyAt(db, now);
  const t = policy.numbers.detection;
  const [ratings, attempts, staff, verified] = await Promise.all([
    ratingFacts(db, from, to),
    attemptFacts(db, new Date(from.getTime() - t.linkRepeat.hours * HOUR), to),
    staffIdentities(services),
    verifiedNegatives(db, new Date(from.getTime() - t.shareJump.days * DAY), to),
  ]);
  const served = await servedFacts(db, ratings, from, to);
  const months = monthsBetween(from, to);
  const counts = (await Promise.all(months.map((m) => windowCountsOf(db, m)))).flat();
  const jumps = await jumpFactsOf(db, verified, t.shareJump.days, now);
  const signals = detectSignals({ ratings, attempts, staff, served, counts, jumps }, t);
  const caller: Caller = { actor: { type: 'system', name: 'fraud-detection job' } };
  const run: DetectionRun = { from, to, signals: signals.length, newSignals: 0, investigationsOpened: 0, ratingsFlagged: 0 };
  for (const signal of signals) {
    const ratingIds = signal.kind === 'peer_share' && !signal.ratingIds.length ? await windowMonthRatings(db, signal) : signal.ratingIds;
    const outcome = await db.transaction().execute((trx) => storeSignal(trx, caller, { ...signal, ratingIds }, policy.id, now));
    if (outcome.created) run.newSignals++;
    if (outcome.opened) run.investigationsOpened++;
    run.ratingsFlagged += outcome.linked;
  }
  return run;
}

/** Stores one signal (or finds it again), links its ratings, and puts it into its subject's open investigation. */
async function storeSignal(trx: Db, caller: Caller, signal: Signal, policyVersionId: number, now: Date) {
  const s = { ...signal, explanation: await inPeoplesWords(trx, signal.explanation) };
  const stored = await repo.upsertSignal(trx, {
    kind: s.kind,
    dedup_key: s.dedupKey,
    subject_type: s.subject.type,
    subject_key: s.subject.key,
    window_id: s.windowId,
    staff_id: s.staffId,
    agency_code: s.agencyCode,
    first_at: s.firstAt,
    last_at: s.lastAt,
    weight: s.weight,
    explanation: s.explanation,
    evidence: s.evidence,
    detected_at: now,
  });
  const linked = await repo.linkSignalRatings(trx, stored.id, s.ratingIds);
  let opened = false;
  if (stored.findingId === null) {
    const dedupKey = `${s.subject.type}:${s.subject.key}`;
    let finding = await repo.lockOpenInvestigation(trx, dedupKey);
    if (finding) {
      await repo.attachSignal(trx, stored.id, finding.id);
      await applyFindingStep(
        trx,
        caller,
        finding,
        'attach',
        { party: 'system' },
        now,
        {},
        { note: s.explanation.slice(0, 2000), audit: { signal: stored.id, kind: s.kind } },
      );
    } else {
      const place = await placeOfSignal(trx, s);
      if (!place) return { created: stored.created, opened, linked };
      finding = await createFinding(
        trx,
        caller,
        {
          workflow: 'investigation',
          subject: { type: s.subject.type as SubjectType, key: s.subject.key, name: place.subjectName },
          dedupKey,
          place,
          policyVersionId,
          score: s.weight,
          details: { explanation: s.explanation },
          note: s.explanation.slice(0, 2000),
        },
        now,
      );
      // Another run opened it a moment ago: join that one.
      finding ??= await repo.lockOpenInvestigation(trx, dedupKey);
      if (!finding) return { created: stored.created, opened, linked };
      opened = finding.opened_at.getTime() === now.getTime() && finding.version === 1;
      await repo.attachSignal(trx, stored.id, finding.id);
    }
  }
  // The investigation's score: the highest suspicion among its flagged ratings (the signal's weight when it flags none).
  const findingId =
    stored.findingId ?? (await trx.selectFrom('fraud_signal').select('finding_id').where('id', '=', stored.id).executeTakeFirstOrThrow()).finding_id;
  if (findingId) {
    const top = await trx
      .selectFrom('fraud_signal as s')
      .where('s.finding_id', '=', findingId)
      .select(sql<number>`max(s.weight)`.as('w'))
      .executeTakeFirstOrThrow();
    const rated = (await repo.flaggedRatings(trx, findingId)).reduce((m, r) => Math.max(m, Number(r.suspicion)), 0);
    await trx
      .updateTable('finding')
      .set({ score: Math.max(rated, Number(top.w ?? 0)) })
      .where('id', '=', findingId)
      .execute();
  }
  return { created: stored.created, opened, linked };
}

/** Where an investigation of a signal's subject belongs: the window's, staff member's or (for a rater or source) the first flagged rating's agency. */
async function placeOfSignal(trx: Db, s: Signal) {
  let agencyCode = s.agencyCode;
  let staffId = s.staffId;
  let subjectName: string;
  if (s.subject.type === 'window') {
    const w = await trx
      .selectFrom('service_window as w')
      .innerJoin('service_center as c', 'c.code', 'w.center_code')
      .select(['w.agency_code', 'w.number', 'w.name', 'c.name as center'])
      .where('w.id', '=', Number(s.subject.key))
      .executeTakeFirst();
    if (!w) return undefined;
    agencyCode = w.agency_code;
    subjectName = windowName(w.center, w.number, w.name, null);
  } else if (s.subject.type === 'staff') {
    const st = await trx.selectFrom('staff').select(['id', 'name', 'staff_number', 'agency_code']).where('id', '=', Number(s.subject.key)).executeTakeFirst();
    if (!st) return undefined;
    agencyCode = st.agency_code;
    staffId = st.id;
    subjectName = `${st.name}（工号 ${st.staff_number}）`;
  } else {
    if (!agencyCode && s.ratingIds.length) {
      const o = await trx
        .selectFrom('rating as r')
        .innerJoin('occasion as o', 'o.id', 'r.occasion_id')
        .select('o.agency_code')
        .where('r.id', '=', s.ratingIds[0]!)
        .executeTakeFirst();
      agencyCode = o?.agency_code ?? null;
    }
    subjectName = s.subject.type === 'rater' ? `评价人 ${s.subject.key.slice(0, 8)}…` : `提交来源 ${s.subject.key.slice(0, 8)}…`;
  }
  if (!agencyCode) return undefined;
  const agency = await repo.placeOfAgency(trx, agencyCode);
  if (!agency) return undefined;
  return {
    regionPath: agency.path,
    agencyCode: agency.code,
    businessLineCode: agency.business_line_code,
    staffId,
    subjectName: `${subjectName}（${agency.name}）`,
  };
}

/**
 * The signals name windows and staff by their ids (they are pure): the
 * explanation a supervisor reads names them as people know them — the
 * center and window number, the staff member and their number.
 */
async function inPeoplesWords(trx: Db, explanation: string): Promise<string> {
  const windowIds = [...new Set([...explanation.matchAll(/窗口 (\d+)/g)].map((m) => Number(m[1])))];
  const staffIds = [...new Set([...explanation.matchAll(/（编号 (\d+)）/g)].map((m) => Number(m[1])))];
  const windows = windowIds.length
    ? await trx
        .selectFrom('service_window as w')
        .innerJoin('service_center as c', 'c.code', 'w.center_code')
        .select(['w.id', 'w.number', 'c.name as center'])
        .where('w.id', 'in', windowIds)
        .execute()
    : [];
  const staff = staffIds.length ? await trx.selectFrom('staff').select(['id', 'name', 'staff_number']).where('id', 'in', staffIds).execute() : [];
  let text = explanation.replace(/（窗口 (\d+)，终端 [^）]*）/g, '（窗口 $1）');
  for (const w of windows) text = text.replaceAll(`窗口 ${w.id}`, `${w.center} ${w.number} 号窗口`);
  for (const p of staff) text = text.replaceAll(`（编号 ${p.id}）`, `${p.name}（工号 ${p.staff_number}）`);
  return text;
}

/** A window as people know it: its center, number and name (and agency, where given). */
function windowName(center: string, number: string, name: string | null, agency: string | null) {
  return `${center} ${number} 号窗口${name ? `（${name}）` : ''}${agency ? `（${agency}）` : ''}`;
}

// ——— the facts, from the database ———

/** Active and default ratings given in [from, to) with where and how (keyed hashes only, R9). */
async function ratingFacts(db: Db, from: Date, to: Date): Promise<RatingFact[]> {
  const rows = await db
    .selectFrom('rating as r')
    .innerJoin('occasion as o', 'o.id', 'r.occasion_id')
    .leftJoin('service_case as c', 'c.id', 'o.case_id')
    .leftJoin('service_package as p', 'p.id', 'o.package_id')
    .leftJoin('region as g', 'g.code', 'o.region_code')
    .where('r.given_at', '>=', from)
    .where('r.given_at', '<=', to)
    .where('r.is_default', '=', false)
    .select([
      'r.id',
      'r.given_at',
      'r.level',
      'r.is_default',
      'r.channel',
      'r.rater_id_hash',
      'r.client_id',
      'r.token_id',
      'o.occurred_at',
      'o.window_id',
      'o.staff_id',
      'o.agency_code',
      'o.business_line_code',
      'g.level as region_level',
      'c.accepted_at',
      'c.completed_at',
      sql<string | null>`coalesce(c.applicant_phone_hash, p.applicant_phone_hash)`.as('phone_hash'),
    ])
    .orderBy('r.given_at')
    .orderBy('r.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    givenAt: r.given_at,
    level: r.level as Level,
    isDefault: r.is_default,
    channel: r.channel,
    raterIdHash: r.rater_id_hash,
    raterPhoneHash: r.phone_hash,
    clientId: r.client_id,
    tokenId: r.token_id,
    occurredAt: r.occurred_at,
    windowId: r.window_id,
    staffId: r.staff_id,
    agencyCode: r.agency_code,
    businessLineCode: r.business_line_code,
    regionLevel: r.region_level,
    // An immediate case sent with one instant (accepted = completed, R7) carries no duration: it is not a quick case's evidence.
    caseAcceptedAt: r.completed_at && r.accepted_at && r.completed_at.getTime() === r.accepted_at.getTime() ? null : r.accepted_at,
    caseCompletedAt: r.completed_at && r.accepted_at && r.completed_at.getTime() === r.accepted_at.getTime() ? null : r.completed_at,
  }));
}

async function attemptFacts(db: Db, from: Date, to: Date): Promise<AttemptFact[]> {
  const rows = await db.selectFrom('submission_attempt').selectAll().where('at', '>=', from).where('at', '<=', to).orderBy('at').orderBy('id').execute();
  return rows.map((a) => ({ at: a.at, tokenId: a.token_id, clientId: a.client_id, sourceHash: a.source_hash, outcome: a.outcome }));
}

/**
 * Staff members' identities as keyed hashes comparable with the raters':
 * their identity number as a resident ID (identityKey) and their mobile
 * normalised, computed in memory from the encrypted columns (R9: never
 * compared or kept in clear).
 */
async function staffIdentities(services: Services): Promise<StaffIdentity[]> {
  const rows = await services.db
    .selectFrom('staff')
    .select(['id', 'agency_code', 'id_number_cipher', 'phone_cipher'])
    .where('status', '=', 'active')
    .where((eb) => eb.or([eb('id_number_cipher', 'is not', null), eb('phone_cipher', 'is not', null)]))
    .execute();
  const p = services.protector;
  return rows.map((r) => {
    const idNumber = r.id_number_cipher ? p.decrypt(r.id_number_cipher) : null;
    const phone = r.phone_cipher ? p.decrypt(r.phone_cipher) : null;
    return {
      staffId: r.id,
      agencyCode: r.agency_code,
      idHash: idNumber ? p.hash(identityKey('resident_id', idNumber)) : null,
      phoneHash: phone ? p.hash(normalizeMobile(phone)) : null,
    };
  });
}

/** Occasions served at the windows of device ratings, on the China days of those ratings (the device's off-hours signal). */
async function servedFacts(db: Db, ratings: RatingFact[], from: Date, to: Date): Promise<ServedFact[]> {
  const windows = [...new Set(ratings.filter((r) => r.channel === 'device' && r.windowId !== null).map((r) => r.windowId!))];
  if (!windows.length) return [];
  const rows = await db
    .selectFrom('occasion')
    .select(['window_id', 'occurred_at'])
    .where('window_id', 'in', windows)
    .where('occurred_at', '>=', new Date(from.getTime() - DAY))
    .where('occurred_at', '<', new Date(to.getTime() + DAY))
    .execute();
  return rows.map((r) => ({ windowId: r.window_id!, occurredAt: r.occurred_at }));
}

/** Negative ratings against a window whose verification was confirmed (R12) since `from`. */
async function verifiedNegatives(db: Db, from: Date, to: Date): Promise<VerifiedNegative[]> {
  const rows = await db
    .selectFrom('supervision_transition as t')
    .innerJoin('supervision_item as i', 'i.id', 't.item_id')
    .innerJoin('rating as r', 'r.id', 'i.rating_id')
    .innerJoin('occasion as o', 'o.id', 'r.occasion_id')
    .where('i.workflow', '=', 'verification')
    .where('t.event', '=', 'confirm')
    .where('t.at', '>=', from)
    .where('t.at', '<', to)
    .where('o.window_id', 'is not', null)
    .select(['r.id', 'o.window_id', 't.at'])
    .execute();
  return rows.map((r) => ({ ratingId: r.id, windowId: r.window_id!, at: r.at }));
}

/** The China months [from, to) touches, as 'YYYY-MM'. */
function monthsBetween(from: Date, to: Date): string[] {
  const months = new Set<string>();
  for (let t = from.getTime(); t < to.getTime(); t += DAY) months.add(chinaDay(new Date(t)).slice(0, 7));
  months.add(chinaDay(new Date(to.getTime() - 1)).slice(0, 7));
  return [...months].sort();
}

const monthStart = (month: string) => new Date(Date.parse(`${month}-01T00:00:00+08:00`));
const nextMonthStart = (month: string) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return monthStart(m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`);
};

/** R10: each window's active ratings and very-satisfied ones in a China month, with its peer group (line, region level). */
async function windowCountsOf(db: Db, month: string): Promise<WindowCounts[]> {
  const rows = await db
    .selectFrom('rating as r')
    .innerJoin('occasion as o', 'o.id', 'r.occasion_id')
    .innerJoin('region as g', 'g.code', 'o.region_code')
    .where('r.is_default', '=', false)
    .where('r.given_at', '>=', monthStart(month))
    .where('r.given_at', '<', nextMonthStart(month))
    .where('o.window_id', 'is not', null)
    .where('o.agency_code', 'is not', null)
    .select([
      'o.window_id',
      'o.agency_code',
      'o.business_line_code',
      'g.level',
      sql<number>`count(*)::int`.as('active'),
      sql<number>`count(*) filter (where r.level = 'very_satisfied')::int`.as('very'),
    ])
    .groupBy(['o.window_id', 'o.agency_code', 'o.business_line_code', 'g.level'])
    .execute();
  return rows.map((r) => ({
    windowId: r.window_id!,
    agencyCode: r.agency_code!,
    staffId: null,
    businessLineCode: r.business_line_code ?? '',
    regionLevel: r.level,
    period: month,
    active: r.active,
    verySatisfied: r.very,
  }));
}

/** R10: for each verified negative, the window's active and very-satisfied counts in the `days` before and after it. */
async function jumpFactsOf(db: Db, verified: VerifiedNegative[], days: number, now: Date): Promise<JumpFacts[]> {
  const out: JumpFacts[] = [];
  for (const v of verified) {
    const rows = await db
      .selectFrom('rating as r')
      .innerJoin('occasion as o', 'o.id', 'r.occasion_id')
      .where('o.window_id', '=', v.windowId)
      .where('r.is_default', '=', false)
      .where('r.given_at', '>=', new Date(v.at.getTime() - days * DAY))
      .where('r.given_at', '<', new Date(Math.min(now.getTime(), v.at.getTime() + days * DAY)))
      .select(['r.id', 'r.given_at', 'r.level'])
      .execute();
    const before = rows.filter((r) => r.given_at < v.at);
    const after = rows.filter((r) => r.given_at >= v.at);
    out.push({
      verified: v,
      before: { active: before.length, verySatisfied: before.filter((r) => r.level === 'very_satisfied').length },
      after: {
        active: after.length,
        verySatisfied: after.filter((r) => r.level === 'very_satisfied').length,
        ratingIds: after.filter((r) => r.level === 'very_satisfied').map((r) => r.id),
      },
    });
  }
  return out;
}

/** A peer-share signal flags the window's very-satisfied active ratings of its month. */
async function windowMonthRatings(db: Db, s: Signal): Promise<number[]> {
  const month = String(s.evidence.period ?? chinaDay(s.firstAt).slice(0, 7));
  const rows = await db
    .selectFrom('rating as r')
    .innerJoin('occasion as o', 'o.id', 'r.occasion_id')
    .where('o.window_id', '=', s.windowId)
    .where('r.is_default', '=', false)
    .where('r.level', '=', 'very_satisfied')
    .where('r.given_at', '>=', monthStart(month))
    .where('r.given_at', '<', nextMonthStart(month))
    .select('r.id')
    .execute();
  return rows.map((r) => r.id);
}

// ——— period scores ———

export interface SuspicionQuery {
  dimension: 'window' | 'staff' | 'agency';
  from: string;
  to: string;
}

/**
 * R10: each window's, staff member's or agency's period suspicion score: the
 * mean suspicion of its active ratings scored in [from, to] (China days),
 * where a rating's suspicion is 1 − Π(1 − weight) over the signals flagging
 * it; those with a flagged rating only, highest first, within the scope.
 */
export async function suspicionScores(services: Services, caller: Caller, q: SuspicionQuery, page: { page: number; pageSize: number }) {
  requireAccess(caller.actor, 'investigations.read');
  const scope = readScope(caller.actor);
  const problems: FieldProblem[] = [];
  if (q.to < q.from) problems.push({ field: '/querystring/to', message: 'is before from' });
  invalidFields(problems);
  const key = q.dimension === 'window' ? sql.ref('o.window_id') : q.dimension === 'staff' ? sql.ref('o.staff_id') : sql.ref('o.agency_code');
  const inScope = scope.kind === 'region' ? sql`(g.path = ${scope.path} or g.path like ${scope.path + '.%'})` : sql`true`;
  const rows = await sql<{ key: string; ratings: number; flagged: number; score: number; max_suspicion: number; total: number }>`
    with sus as (
      select fr.rating_id, 1 - exp(sum(ln(1 - least(s.weight, 0.999999)))) as s
      from fraud_signal_rating fr join fraud_signal s on s.id = fr.signal_id group by fr.rating_id
    )
    select ${key}::text as key, count(*)::int as ratings, count(sus.rating_id)::int as flagged,
           coalesce(sum(sus.s), 0) / count(*) as score, coalesce(max(sus.s), 0) as max_suspicion, count(*) over ()::int as total
    from rating r
    join occasion o on o.id = r.occasion_id
    join region g on g.code = o.region_code
    left join sus on sus.rating_id = r.id
    where r.is_default = false and r.voided_at is null and r.revoked_at is null and r.score_day between ${q.from}::date and ${q.to}::date and ${key} is not null and ${inScope}
    group by 1
    having count(sus.rating_id) > 0
    order by score desc, 1
    limit ${page.pageSize} offset ${(page.page - 1) * page.pageSize}
  `.execute(services.db);
  const names = await namesOfKeys(
    services.db,
    q.dimension,
    rows.rows.map((r) => r.key),
  );
  return {
    items: rows.rows.map((r) => ({
      key: r.key,
      name: names.get(r.key) ?? r.key,
      ratings: r.ratings,
      flagged: r.flagged,
      score: Math.round(Number(r.score) * 10000) / 10000,
      maxSuspicion: Math.round(Number(r.max_suspicion) * 1000) / 1000,
    })),
    total: rows.rows[0]?.total ?? 0,
    page: page.page,
    pageSize: page.pageSize,
  };
}

async function namesOfKeys(db: Db, dimension: SuspicionQuery['dimension'], keys: string[]) {
  const names = new Map<string, string>();
  if (!keys.length) return names;
  if (dimension === 'agency')
    for (const a of await db.selectFrom('agency').select(['code', 'name']).where('code', 'in', keys).execute()) names.set(a.code, a.name);
  else if (dimension === 'staff')
    for (const s of await db.selectFrom('staff').select(['id', 'name', 'staff_number']).where('id', 'in', keys.map(Number)).execute())
      names.set(String(s.id), `${s.name}（${s.staff_number}）`);
  else
    for (const w of await db
      .selectFrom('service_window as w')
      .innerJoin('agency as a', 'a.code', 'w.agency_code')
      .innerJoin('service_center as c', 'c.code', 'w.center_code')
      .select(['w.id', 'w.number', 'w.name as window_name', 'a.name', 'c.name as center'])
      .where('w.id', 'in', keys.map(Number))
      .execute())
      names.set(String(w.id), windowName(w.center, w.number, w.window_name, w.name));
  return names;
}
