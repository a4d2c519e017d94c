// Issue 14 (R10): the demo's faked good ratings. Into the demo's year of
// honest ratings, a few known patterns are injected in the last weeks, so
// that a newcomer's console has investigations to open: at a window of
// 兴宁区 (the demo's district supervisor, sup-xingning, sees them), cases
// opened, completed and rated "very satisfied" within seconds, again and
// again, and a staff member rating with their own identity; in 青秀区, a
// device's burst of "very satisfied". The detection job then runs over the
// last 35 days as it would have every hour. Made-up data: never in production.
import { sql, type Insertable } from 'kysely';
import { chinaDay } from '../domain/occasions.ts';
import { deadlineAfter } from '../domain/calendar.ts';
import { versionOn } from '../domain/policy.ts';
import { ratingFingerprint, scoreOf } from '../domain/ratings.ts';
import { residentIdCheckChar } from '../domain/identifiers.ts';
import type { DB } from '../storage/schema.ts';
import * as scores from '../storage/scores.ts';
import { protectApplicant } from './cases.ts';
import type { Services } from './context.ts';
import { runDetection, type DetectionRun } from './detection.ts';
import { loadCalendar, loadPolicyVersions } from './policy.ts';
import { foldAll } from './scores.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;

interface Injected {
  at: number;
  acceptedAt: number;
  completedAt: number;
  staff: { id: number; agency_code: string; business_line_code: string; region_code: string; center_code: string | null; window_id: number | null };
  matter: string;
  channel: 'device' | 'sms';
  applicant: { name: string; idNumber: string; phone: string };
}

export async function injectDemoFraud(services: Services, random: () => number): Promise<DetectionRun & { injected: number }> {
  const db = services.db;
  const now = services.now().getTime();
  const staffIn = (regionCode: string) =>
    db
      .selectFrom('staff as s')
      .innerJoin('agency as ag', 'ag.code', 's.agency_code')
      .select(['s.id', 's.agency_code', 'ag.business_line_code', 'ag.region_code', 's.center_code', 's.window_id', 's.id_number_cipher', 's.phone_cipher'])
      .where('s.status', '=', 'active')
      .where('s.window_id', 'is not', null)
      .where('ag.region_code', '=', regionCode)
      .orderBy('s.id')
      .limit(3)
      .execute();
  const [xingning, qingxiu] = await Promise.all([staffIn('450102000000'), staffIn('450103000000')]);
  const promisedOf = async (agency: string) =>
    (await db.selectFrom('matter').select('code').where('agency_code', '=', agency).where('kind', '=', 'promised').orderBy('code').executeTakeFirst())?.code ??
    (await db.selectFrom('matter').select('code').where('kind', '=', 'promised').orderBy('code').executeTakeFirstOrThrow()).code;
  const person = () => {
    const first17 = `450102${1960 + Math.floor(random() * 40)}0${1 + Math.floor(random() * 9)}1${Math.floor(random() * 9)}${String(Math.floor(random() * 1000)).padStart(3, '0')}`;
    return { name: '王五', idNumber: first17 + residentIdCheckChar(first17), phone: `139${String(Math.floor(random() * 1e8)).padStart(8, '0')}` };
  };
  const rows: Injected[] = [];
  // 秒办秒评: eight cases at one 兴宁区 window, five days ago, each accepted and completed within half a minute and rated at once.
  if (xingning[0]) {
    const s = xingning[0];
    const matter = await promisedOf(s.agency_code);
    const day = Date.parse(`${chinaDay(new Date(now - 5 * DAY))}T10:00:00+08:00`);
    for (let i = 0; i < 8; i++) {
      const acceptedAt = day + i * 7 * MINUTE;
      rows.push({ at: acceptedAt + 50_000, acceptedAt, completedAt: acceptedAt + 25_000, staff: s, matter, channel: 'device', applicant: person() });
    }
  }
  // A staff member rates a colleague's service with their own identity document and phone, twice.
  if (xingning[1] && xingning[2]?.id_number_cipher) {
    const s = xingning[1];
    const own = xingning[2];
    const matter = await promisedOf(s.agency_code);
    const identity = {
      name: '李员工',
      idNumber: services.protector.decrypt(own.id_number_cipher!),
      phone: own.phone_cipher ? services.protector.decrypt(own.phone_cipher) : person().phone,
    };
    for (const daysAgo of [9, 8]) {
      const acceptedAt = Date.parse(`${chinaDay(new Date(now - daysAgo * DAY))}T15:20:00+08:00`);
      rows.push({ at: acceptedAt + 40 * MINUTE, acceptedAt, completedAt: acceptedAt + 3 * DAY, staff: s, matter, channel: 'sms', applicant: identity });
    }
  }
  // A device's burst: ten "very satisfied" within six minutes at a 青秀区 window, twelve days ago.
  if (qingxiu[0]) {
    const s = qingxiu[0];
    const matter = await promisedOf(s.agency_code);
    const start = Date.parse(`${chinaDay(new Date(now - 12 * DAY))}T16:10:00+08:00`);
    for (let i = 0; i < 10; i++) {
      const acceptedAt = start - 2 * DAY + i * 20 * MINUTE;
      rows.push({ at: start + i * 36_000, acceptedAt, completedAt: acceptedAt + 2 * DAY, staff: s, matter, channel: 'device', applicant: person() });
    }
  }
  if (rows.length) await insertRated(services, rows, now);
  await scores.recordUnrecordedRatings(db, null);
  await foldAll(db);
  const run = await runDetection(services, new Date(now), { from: new Date(now - 35 * DAY) });
  return { ...run, injected: rows.length };
}

/** Cases, their acceptance occasion (rated) and completion, as the demo's activity writes them. */
async function insertRated(services: Services, rows: Injected[], now: number) {
  const db = services.db;
  const versions = await loadPolicyVersions(db);
  const year = new Date(now).getUTCFullYear();
  const calendar = await loadCalendar(db, year - 1, year + 2);
  const existing = (
    await db
      .selectFrom('service_case')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow()
  ).n;
  await db.transaction().execute(async (trx) => {
    for (const [i, r] of rows.entries()) {
      const applicant = protectApplicant(services.protector, { ...r.applicant, idType: 'resident_id' });
      const c = await trx
        .insertInto('service_case')
        .values({
          case_number: `DEMOX${String(existing + i + 1).padStart(8, '0')}`,
          matter_code: r.matter,
          kind: 'promised',
          agency_code: r.staff.agency_code,
          ...applicant,
          accepted_at: new Date(r.acceptedAt),
          accepted_by: r.staff.id,
          completed_at: new Date(r.completedAt),
          completed_by: r.staff.id,
        } as Insertable<DB['service_case']>)
        .returning('id')
        .executeTakeFirstOrThrow();
      // The rating is of the completion when it follows it closely (秒办秒评), else of the acceptance.
      const kind = r.at - r.completedAt >= 0 && r.at - r.completedAt < 10 * MINUTE ? 'completion' : 'acceptance';
      const occurredAt = new Date(kind === 'completion' ? r.completedAt : r.acceptedAt);
      const version = versionOn(versions, chinaDay(occurredAt))!;
      const o = await trx
        .insertInto('occasion')
        .values({
          case_id: c.id,
          package_id: null,
          kind,
          occurred_at: occurredAt,
          deadline: deadlineAfter(occurredAt, version.numbers.ratingDays, calendar),
          policy_version_id: version.id,
          staff_id: r.staff.id,
          agency_code: r.staff.agency_code,
          business_line_code: r.staff.business_line_code,
          region_code: r.staff.region_code,
          center_code: r.staff.center_code,
          window_id: r.staff.window_id,
          closed_at: new Date(r.at),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('rating')
        .values({
          occasion_id: o.id,
          level: 'very_satisfied',
          score: scoreOf('very_satisfied'),
          tags: [],
          comment: null,
          channel: r.channel,
          is_default: false,
          given_at: new Date(r.at),
          rater_id_hash: applicant.applicant_id_hash,
          fingerprint: ratingFingerprint({ level: 'very_satisfied', aspects: {}, tags: [], comment: null, channel: r.channel }),
        })
        .execute();
    }
  });
}
