// R10 (issue 14): the signals of faked good ratings (刷好评). Each is a pure
// function of facts (types.ts) and the policy's thresholds: no clock, no I/O,
// the same answer for the same facts. Only active ratings count (a default
// rating is nobody's act). Days and months are China days (UTC+8), so that a
// day's cluster found again by a later run over an overlapping span gets the
// same dedupKey. Each function sorts its facts once and slides over them.
import { POLICY } from '../policy.ts';
import { LEVELS } from '../ratings.ts';
import { binomialUpperTail } from './binomial.ts';
import {
  SIGNAL_WEIGHTS,
  type AttemptFact,
  type DetectionThresholds,
  type RatingFact,
  type ServedFact,
  type Signal,
  type SignalKind,
  type StaffIdentity,
  type SubjectRef,
  type VerifiedNegative,
} from './types.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const OFFSET = POLICY.utcOffsetHours * HOUR;
const VERY = `“${LEVELS.very_satisfied.zh}”`;

/** The China day ('YYYY-MM-DD') of an instant. */
export const chinaDay = (at: Date) => new Date(at.getTime() + OFFSET).toISOString().slice(0, 10);
/** "2026-03-05 14:02", China time. */
const chinaTime = (at: Date) => new Date(at.getTime() + OFFSET).toISOString().slice(0, 16).replace('T', ' ');
const clockOf = (at: Date) => chinaTime(at).slice(11);
/** The China day as a number (days since 1970-01-01 China time), cheaper than its string for grouping. */
const dayNumber = (at: Date) => Math.floor((at.getTime() + OFFSET) / DAY);
/** The instants a period 'YYYY-MM' (China time) starts and ends (exclusive). */
export function periodBounds(period: string): { from: Date; to: Date } {
  const start = new Date(`${period}-01T00:00:00Z`);
  const next = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  return { from: new Date(start.getTime() - OFFSET), to: new Date(next.getTime() - OFFSET) };
}

/** R9: evidence shows a hash's first 8 characters, enough to tell two apart, never the whole. */
const hashPrefix = (hash: string) => hash.slice(0, 8);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const pValue = (p: number) => (p === 0 ? '< 1e-300' : p.toExponential(1));
const isVerySatisfied = (r: RatingFact) => !r.isDefault && r.level === 'very_satisfied';
const byGiven = (a: RatingFact, b: RatingFact) => a.givenAt.getTime() - b.givenAt.getTime() || a.id - b.id;
const single = <T>(values: readonly T[]): T | null => (values.every((v) => v === values[0]) ? (values[0] ?? null) : null);
const distinct = <T>(values: readonly (T | null)[]) => [...new Set(values.filter((v): v is T => v !== null))];

function groupBy<T, K>(items: readonly T[], key: (item: T) => K | null): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Counts what is inside a sliding span (add on entering, remove on leaving). */
class Tally<K> {
  readonly #counts = new Map<K, number>();
  add(k: K | null) {
    if (k !== null) this.#counts.set(k, (this.#counts.get(k) ?? 0) + 1);
  }
  remove(k: K | null) {
    if (k === null) return;
    const n = this.#counts.get(k)! - 1;
    if (n) this.#counts.set(k, n);
    else this.#counts.delete(k);
  }
  get size() {
    return this.#counts.size;
  }
}

/**
 * The clusters of items (sorted by time) where some span of at most `spanMs`
 * holds at least `count` of them (and `accept`s), as index ranges [first, last]
 * with overlapping spans merged into one.
 */
function clusters<T>(
  items: readonly T[],
  time: (item: T) => number,
  spanMs: number,
  count: number,
  tally?: { enter(item: T): void; leave(item: T): void; accept(): boolean },
) {
  const found: [number, number][] = [];
  let lo = 0;
  for (let hi = 0; hi < items.length; hi++) {
    tally?.enter(items[hi]!);
    for (; time(items[hi]!) - time(items[lo]!) > spanMs; lo++) tally?.leave(items[lo]!);
    if (hi - lo + 1 < count || (tally && !tally.accept())) continue;
    const last = found.at(-1);
    if (last && lo <= last[1]) last[1] = hi;
    else found.push([lo, hi]);
  }
  return found;
}

interface Found {
  dedupKey: string;
  subject: SubjectRef;
  windowId: number | null;
  staffId: number | null;
  agencyCode: string | null;
  ratingIds: number[];
  firstAt: Date;
  lastAt: Date;
  explanation: string;
  evidence: Record<string, unknown>;
}
const signal = (kind: SignalKind, found: Found): Signal => ({ kind, weight: SIGNAL_WEIGHTS[kind], ...found });

/** Where a group of ratings was given: its window, staff member and agency when they share one. */
const placeOf = (ratings: readonly RatingFact[]) => ({
  windowId: single(ratings.map((r) => r.windowId)),
  staffId: single(ratings.map((r) => r.staffId)),
  agencyCode: single(ratings.map((r) => r.agencyCode)),
});
const timesOf = (ratings: readonly RatingFact[]) => ({ firstAt: ratings[0]!.givenAt, lastAt: ratings.at(-1)!.givenAt });
const isoTimes = (firstAt: Date, lastAt: Date) => ({ firstAt: firstAt.toISOString(), lastAt: lastAt.toISOString() });

/** R10: a rating given with a staff member's own identity document or mobile number — any staff member's, not only the rated one's. */
export function staffIdentitySignals(ratings: readonly RatingFact[], staff: readonly StaffIdentity[]): Signal[] {
  const byId = groupBy(staff, (s) => s.idHash);
  const byPhone = groupBy(staff, (s) => s.phoneHash);
  const hits: { staff: StaffIdentity; rating: RatingFact; by: 'id' | 'phone' }[] = [];
  for (const r of ratings) {
    if (r.isDefault) continue;
    const matches = new Map<StaffIdentity, 'id' | 'phone'>();
    for (const s of (r.raterPhoneHash && byPhone.get(r.raterPhoneHash)) || []) matches.set(s, 'phone');
    for (const s of (r.raterIdHash && byId.get(r.raterIdHash)) || []) matches.set(s, 'id');
    for (const [s, by] of matches) hits.push({ staff: s, rating: r, by });
  }
  const groups = groupBy(hits, (h) => `${h.staff.staffId}:${chinaDay(h.rating.givenAt)}`);
  return [...groups.values()].map((group) => {
    group.sort((a, b) => byGiven(a.rating, b.rating));
    const s = group[0]!.staff;
    const rs = group.map((h) => h.rating);
    const day = chinaDay(rs[0]!.givenAt);
    const own = rs.filter((r) => r.staffId === s.staffId).length;
    const byId = group.filter((h) => h.by === 'id').length;
    const matched = byId === group.length ? '身份证件号' : byId === 0 ? '手机号' : '身份证件号或手机号';
    return signal('staff_identity', {
      dedupKey: `staff_identity:staff:${s.staffId}:${day}`,
      subject: { type: 'staff', key: String(s.staffId) },
      windowId: single(rs.map((r) => r.windowId)),
      staffId: s.staffId,
      agencyCode: s.agencyCode,
      ratingIds: rs.map((r) => r.id),
      ...timesOf(rs),
      explanation:
        `${day} 有 ${rs.length} 条评价的评价人${matched}与工作人员（编号 ${s.staffId}）本人的一致` +
        (own ? `，其中 ${own} 条评价的是其本人经办的服务。` : '，评价的是其他工作人员经办的服务。'),
      evidence: {
        day,
        ratings: rs.length,
        matchedById: byId,
        matchedByPhone: group.length - byId,
        ratesOwnService: own,
        ratesColleagues: rs.length - own,
        windowIds: distinct(rs.map((r) => r.windowId)),
        ...isoTimes(rs[0]!.givenAt, rs.at(-1)!.givenAt),
      },
    });
  });
}

/** R10: one rater identity (or one mobile number) rating at several windows or agencies within hours. */
export function raterBurstSignals(ratings: readonly RatingFact[], t: DetectionThresholds['raterBurst']): Signal[] {
  const out: Signal[] = [];
  const flagged = new Set<number>();
  for (const via of ['id', 'phone'] as const) {
    const groups = groupBy(
      ratings.filter((r) => !r.isDefault),
      (r) => (via === 'id' ? r.raterIdHash : r.raterPhoneHash),
    );
    for (const [hash, group] of groups) {
      if (group.length < t.count) continue;
      group.sort(byGiven);
      const windows = new Tally<number>();
      const agencies = new Tally<string>();
      const tally = {
        enter: (r: RatingFact) => (windows.add(r.windowId), agencies.add(r.agencyCode)),
        leave: (r: RatingFact) => (windows.remove(r.windowId), agencies.remove(r.agencyCode)),
        accept: () => windows.size >= 2 || agencies.size >= 2,
      };
      for (const [first, last] of clusters(group, (r) => r.givenAt.getTime(), t.hours * HOUR, t.count, tally)) {
        const rs = group.slice(first, last + 1);
        // The same burst seen through the mobile number as through the identity is one finding, not two.
        if (via === 'phone' && rs.every((r) => flagged.has(r.id))) continue;
        for (const r of rs) flagged.add(r.id);
        const windowIds = distinct(rs.map((r) => r.windowId));
        const agencyCodes = distinct(rs.map((r) => r.agencyCode));
        const hours = (rs.at(-1)!.givenAt.getTime() - rs[0]!.givenAt.getTime()) / HOUR;
        const what = via === 'id' ? '身份证件号' : '手机号';
        out.push(
          signal('rater_burst', {
            dedupKey: `rater_burst:${via}:${hash.slice(0, 12)}:${rs[0]!.id}`,
            subject: { type: 'rater', key: hash.slice(0, 12) },
            windowId: null,
            staffId: null,
            agencyCode: single(rs.map((r) => r.agencyCode)),
            ratingIds: rs.map((r) => r.id),
            ...timesOf(rs),
            explanation:
              `同一评价人（${what}摘要 ${hashPrefix(hash)}）在 ${chinaTime(rs[0]!.givenAt)} 起的 ${hours.toFixed(1)} 小时内，` +
              `对 ${agencyCodes.length} 个单位的 ${windowIds.length} 个窗口给出 ${rs.length} 条评价（阈值：${t.hours} 小时内 ${t.count} 条，至少 2 个窗口或单位）。`,
            evidence: {
              via,
              raterHashPrefix: hashPrefix(hash),
              ratings: rs.length,
              windowIds,
              agencyCodes,
              hours: Number(hours.toFixed(2)),
              ...isoTimes(rs[0]!.givenAt, rs.at(-1)!.givenAt),
            },
          }),
        );
      }
    }
  }
  return out;
}

/** R10: a window's evaluation device giving many "very satisfied" within minutes. */
export function deviceBurstSignals(ratings: readonly RatingFact[], t: DetectionThresholds['deviceBurst']): Signal[] {
  // A device is its client; ratings loaded without one (bulk loads) are grouped by their window.
  const groups = groupBy(
    ratings.filter((r) => r.channel === 'device' && isVerySatisfied(r)),
    (r) => r.clientId ?? (r.windowId === null ? null : `window-${r.windowId}`),
  );
  const out: Signal[] = [];
  for (const [clientId, group] of groups) {
    if (group.length < t.count) continue;
    group.sort(byGiven);
    for (const [first, last] of clusters(group, (r) => r.givenAt.getTime(), t.minutes * MINUTE, t.count)) {
      const rs = group.slice(first, last + 1);
      const place = placeOf(rs);
      const minutes = Math.max(1, Math.ceil((rs.at(-1)!.givenAt.getTime() - rs[0]!.givenAt.getTime()) / MINUTE));
      out.push(
        signal('device_burst', {
          dedupKey: `device_burst:${place.windowId === null ? `client:${clientId}` : `window:${place.windowId}`}:${rs[0]!.id}`,
          subject: place.windowId === null ? { type: 'source', key: `client:${clientId}` } : { type: 'window', key: String(place.windowId) },
          ...place,
          ratingIds: rs.map((r) => r.id),
          ...timesOf(rs),
          explanation:
            `评价器（窗口 ${place.windowId ?? '—'}，终端 ${clientId}）在 ${chinaTime(rs[0]!.givenAt)}—${clockOf(rs.at(-1)!.givenAt)} 的 ${minutes} 分钟内` +
            `给出 ${rs.length} 条${VERY}评价（阈值：${t.minutes} 分钟内 ${t.count} 条）。`,
          evidence: { clientId, ratings: rs.length, minutes, ...isoTimes(rs[0]!.givenAt, rs.at(-1)!.givenAt) },
        }),
      );
    }
  }
  return out;
}

/** R10: a device's "very satisfied" given well before the first or after the last occasion served at its window that day. */
export function deviceOffHoursSignals(ratings: readonly RatingFact[], served: readonly ServedFact[], t: DetectionThresholds['offHours']): Signal[] {
  const hours = new Map<string, { first: number; last: number }>();
  for (const s of served) {
    const key = `${s.windowId}:${dayNumber(s.occurredAt)}`;
    const at = s.occurredAt.getTime();
    const h = hours.get(key);
    if (!h) hours.set(key, { first: at, last: at });
    else if (at < h.first) h.first = at;
    else if (at > h.last) h.last = at;
  }
  const margin = t.marginMinutes * MINUTE;
  const outside = ratings.filter((r) => {
    if (r.channel !== 'device' || !isVerySatisfied(r) || r.windowId === null) return false;
    const h = hours.get(`${r.windowId}:${dayNumber(r.givenAt)}`);
    const at = r.givenAt.getTime();
    return !h || at < h.first - margin || at > h.last + margin;
  });
  const out: Signal[] = [];
  for (const [key, rs] of groupBy(outside, (r) => `${r.windowId}:${dayNumber(r.givenAt)}`)) {
    if (rs.length < t.count) continue;
    rs.sort(byGiven);
    const place = placeOf(rs);
    const day = chinaDay(rs[0]!.givenAt);
    const h = hours.get(key);
    const servedText = h
      ? `当天办件时段 ${clockOf(new Date(h.first))}—${clockOf(new Date(h.last))} 前后 ${t.marginMinutes} 分钟以外`
      : '当天该窗口没有办件记录时';
    out.push(
      signal('device_off_hours', {
        dedupKey: `device_off_hours:window:${rs[0]!.windowId}:${day}`,
        subject: { type: 'window', key: String(rs[0]!.windowId) },
        ...place,
        ratingIds: rs.map((r) => r.id),
        ...timesOf(rs),
        explanation: `窗口 ${rs[0]!.windowId} 的评价器在 ${day} ${servedText}给出 ${rs.length} 条${VERY}评价（阈值 ${t.count} 条），时间 ${clockOf(rs[0]!.givenAt)}—${clockOf(rs.at(-1)!.givenAt)}。`,
        evidence: {
          day,
          ratings: rs.length,
          clientIds: distinct(rs.map((r) => r.clientId)),
          servedFirstAt: h ? new Date(h.first).toISOString() : null,
          servedLastAt: h ? new Date(h.last).toISOString() : null,
          ...isoTimes(rs[0]!.givenAt, rs.at(-1)!.givenAt),
        },
      }),
    );
  }
  return out;
}

/** R10: cases accepted and completed within seconds and rated "very satisfied" at once, several at a window in a day (秒办秒评). */
export function quickCaseSignals(ratings: readonly RatingFact[], t: DetectionThresholds['quickCases']): Signal[] {
  const quick = ratings.filter((r) => {
    if (!isVerySatisfied(r) || r.windowId === null || !r.caseAcceptedAt || !r.caseCompletedAt) return false;
    const handled = r.caseCompletedAt.getTime() - r.caseAcceptedAt.getTime();
    const rated = r.givenAt.getTime() - r.caseCompletedAt.getTime();
    return handled >= 0 && handled <= t.caseSeconds * 1000 && rated >= 0 && rated <= t.rateSeconds * 1000;
  });
  const out: Signal[] = [];
  for (const rs of groupBy(quick, (r) => `${r.windowId}:${chinaDay(r.givenAt)}`).values()) {
    if (rs.length < t.count) continue;
    rs.sort(byGiven);
    const day = chinaDay(rs[0]!.givenAt);
    const handled = rs.map((r) => (r.caseCompletedAt!.getTime() - r.caseAcceptedAt!.getTime()) / 1000);
    out.push(
      signal('quick_cases', {
        dedupKey: `quick_cases:window:${rs[0]!.windowId}:${day}`,
        subject: { type: 'window', key: String(rs[0]!.windowId) },
        ...placeOf(rs),
        ratingIds: rs.map((r) => r.id),
        ...timesOf(rs),
        explanation:
          `窗口 ${rs[0]!.windowId} 在 ${day} 有 ${rs.length} 件办件从受理到办结不超过 ${t.caseSeconds} 秒，` +
          `办结后 ${t.rateSeconds} 秒内即被评为${VERY}（阈值 ${t.count} 件）。`,
        evidence: {
          day,
          ratings: rs.length,
          longestCaseSeconds: Math.max(...handled),
          channels: distinct(rs.map((r) => r.channel)),
          ...isoTimes(rs[0]!.givenAt, rs.at(-1)!.givenAt),
        },
      }),
    );
  }
  return out;
}

/** The occasion a token id ("occasion:nonce") belongs to. */
const occasionOf = (tokenId: string) => tokenId.split(':')[0]!;

/** R10: one rating link submitted again and again, or one source address submitting through many links, within an hour or so. */
export function linkRepeatSignals(attempts: readonly AttemptFact[], ratings: readonly RatingFact[], t: DetectionThresholds['linkRepeat']): Signal[] {
  const rated = groupBy(
    ratings.filter((r) => !r.isDefault),
    (r) => r.tokenId,
  );
  const byTime = (a: AttemptFact, b: AttemptFact) => a.at.getTime() - b.at.getTime();
  const refusedOf = (as: readonly AttemptFact[]) => as.filter((a) => a.outcome !== 'stored').length;
  const out: Signal[] = [];
  for (const [tokenId, group] of groupBy(attempts, (a) => a.tokenId)) {
    if (group.length < t.count) continue;
    group.sort(byTime);
    for (const [first, last] of clusters(group, (a) => a.at.getTime(), t.hours * HOUR, t.count)) {
      const as = group.slice(first, last + 1);
      const rs = (rated.get(tokenId) ?? []).sort(byGiven);
      const place = placeOf(rs);
      const refused = refusedOf(as);
      out.push(
        signal('link_repeat', {
          dedupKey: `link_repeat:token:${tokenId}:${as[0]!.at.toISOString()}`,
          subject: place.windowId === null ? { type: 'source', key: occasionOf(tokenId) } : { type: 'window', key: String(place.windowId) },
          ...place,
          ratingIds: rs.map((r) => r.id),
          firstAt: as[0]!.at,
          lastAt: as.at(-1)!.at,
          explanation: `同一评价链接（办件环节 ${occasionOf(tokenId)}）在 ${chinaTime(as[0]!.at)} 起被提交 ${as.length} 次（阈值：${t.hours} 小时内 ${t.count} 次），其中 ${refused} 次被拒绝。`,
          evidence: {
            tokenOccasion: occasionOf(tokenId),
            attempts: as.length,
            refused,
            sources: distinct(as.map((a) => a.sourceHash)).map(hashPrefix),
            ...isoTimes(as[0]!.at, as.at(-1)!.at),
          },
        }),
      );
    }
  }
  for (const [sourceHash, group] of groupBy(
    attempts.filter((a) => a.tokenId !== null),
    (a) => a.sourceHash,
  )) {
    if (group.length < t.count) continue;
    group.sort(byTime);
    const tokens = new Tally<string>();
    const tally = { enter: (a: AttemptFact) => tokens.add(a.tokenId), leave: (a: AttemptFact) => tokens.remove(a.tokenId), accept: () => tokens.size >= 2 };
    for (const [first, last] of clusters(group, (a) => a.at.getTime(), t.hours * HOUR, t.count, tally)) {
      const as = group.slice(first, last + 1);
      const tokenIds = distinct(as.map((a) => a.tokenId));
      const rs = tokenIds.flatMap((id) => rated.get(id) ?? []).sort(byGiven);
      const refused = refusedOf(as);
      out.push(
        signal('link_repeat', {
          dedupKey: `link_repeat:source:${sourceHash.slice(0, 12)}:${as[0]!.at.toISOString()}`,
          subject: { type: 'source', key: sourceHash.slice(0, 12) },
          ...(rs.length ? placeOf(rs) : { windowId: null, staffId: null, agencyCode: null }),
          ratingIds: rs.map((r) => r.id),
          firstAt: as[0]!.at,
          lastAt: as.at(-1)!.at,
          explanation:
            `同一来源地址（摘要 ${hashPrefix(sourceHash)}）在 ${chinaTime(as[0]!.at)} 起通过 ${tokenIds.length} 个评价链接提交 ${as.length} 次` +
            `（阈值：${t.hours} 小时内 ${t.count} 次，至少 2 个链接），其中 ${refused} 次被拒绝。`,
          evidence: {
            sourceHashPrefix: hashPrefix(sourceHash),
            attempts: as.length,
            links: tokenIds.length,
            refused,
            tokenOccasions: tokenIds.map(occasionOf),
            ...isoTimes(as[0]!.at, as.at(-1)!.at),
          },
        }),
      );
    }
  }
  return out;
}

/** One window's active ratings in a period (a China month), the peer-share signal's input. */
export interface WindowCounts {
  windowId: number;
  agencyCode: string | null;
  /** Reserved for counts per staff member; the windows' counts leave it out. */
  staffId?: null;
  businessLineCode: string | null;
  regionLevel: number | null;
  /** 'YYYY-MM', China time. */
  period: string;
  active: number;
  verySatisfied: number;
}

/** Each window's active and "very satisfied" ratings given in the period (China month 'YYYY-MM'). */
export function windowCounts(ratings: readonly RatingFact[], period: string): WindowCounts[] {
  const { from, to } = periodBounds(period);
  const counts = new Map<number, WindowCounts>();
  for (const r of ratings) {
    if (r.isDefault || r.windowId === null || r.givenAt < from || r.givenAt >= to) continue;
    let c = counts.get(r.windowId);
    if (!c) {
      c = {
        windowId: r.windowId,
        agencyCode: r.agencyCode,
        businessLineCode: r.businessLineCode,
        regionLevel: r.regionLevel,
        period,
        active: 0,
        verySatisfied: 0,
      };
      counts.set(r.windowId, c);
    }
    c.active++;
    if (r.level === 'very_satisfied') c.verySatisfied++;
  }
  return [...counts.values()];
}

/** R10: a window's "very satisfied" share far above its peers' (same business line, region level and period), beyond chance. */
export function peerShareSignals(counts: readonly WindowCounts[], t: DetectionThresholds['peerShare']): Signal[] {
  const groups = groupBy(counts, (c) => (c.businessLineCode === null || c.regionLevel === null ? null : `${c.businessLineCode}|${c.regionLevel}|${c.period}`));
  const out: Signal[] = [];
  for (const group of groups.values()) {
    // The peer rate is the typical peer window's share (each window weighing one), not the pooled share: a peer that
    // fakes its own month, with many times its honest number of ratings, would otherwise set the rate it is compared with
    // (docs/decisions.md; measured in bench/README.md).
    const rated = group.filter((c) => c.active > 0);
    const active = group.reduce((s, c) => s + c.active, 0);
    for (const c of group) {
      const peerActive = active - c.active;
      const peers = rated.length - (c.active > 0 ? 1 : 0);
      if (c.active < t.minRatings || peerActive === 0 || peers === 0) continue;
      const share = c.verySatisfied / c.active;
      // The mean of the others' shares, summed without the window's own (no rounding left over from subtracting it).
      const peerRate = rated.reduce((sum, o) => (o === c ? sum : sum + o.verySatisfied / o.active), 0) / peers;
      if (share - peerRate < t.minLift - 1e-12) continue;
      const p = binomialUpperTail(c.verySatisfied, c.active, peerRate);
      if (p >= t.alpha) continue;
      const { from, to } = periodBounds(c.period);
      out.push(
        signal('peer_share', {
          dedupKey: `peer_share:window:${c.windowId}:${c.period}`,
          subject: { type: 'window', key: String(c.windowId) },
          windowId: c.windowId,
          staffId: null,
          agencyCode: c.agencyCode,
          ratingIds: [],
          firstAt: from,
          lastAt: new Date(to.getTime() - 1),
          explanation:
            `窗口 ${c.windowId} 在 ${c.period} 的主动评价中${VERY}占 ${pct(share)}（${c.active} 条中 ${c.verySatisfied} 条），` +
            `同一业务条线、同一层级的其他 ${group.length - 1} 个窗口为 ${pct(peerRate)}，高出 ${((share - peerRate) * 100).toFixed(1)} 个百分点；` +
            `按同类比例偶然达到的概率 p = ${pValue(p)}（阈值 ${t.alpha}）。`,
          evidence: { period: c.period, active: c.active, verySatisfied: c.verySatisfied, share, peerRate, peers: group.length - 1, peerActive, pValue: p },
        }),
      );
    }
  }
  return out;
}

/** A verified negative rating against a window and that window's active ratings in the days before and after it. */
export interface JumpFacts {
  verified: VerifiedNegative;
  before: { active: number; verySatisfied: number };
  /** ratingIds: the "very satisfied" ones among them, the ratings the signal flags. */
  after: { active: number; verySatisfied: number; ratingIds: number[] };
}

/** For each verified negative, its window's active ratings given in the `days` before `at` and in the `days` from it. */
export function jumpFacts(ratings: readonly RatingFact[], verified: readonly VerifiedNegative[], days: number): JumpFacts[] {
  const windows = new Set(verified.map((v) => v.windowId));
  const byWindow = groupBy(
    ratings.filter((r) => !r.isDefault && r.windowId !== null && windows.has(r.windowId)),
    (r) => r.windowId,
  );
  return verified.map((v) => {
    const at = v.at.getTime();
    const facts: JumpFacts = { verified: v, before: { active: 0, verySatisfied: 0 }, after: { active: 0, verySatisfied: 0, ratingIds: [] } };
    for (const r of byWindow.get(v.windowId) ?? []) {
      const given = r.givenAt.getTime();
      const very = r.level === 'very_satisfied';
      if (given >= at - days * DAY && given < at) {
        facts.before.active++;
        if (very) facts.before.verySatisfied++;
      } else if (given >= at && given < at + days * DAY) {
        facts.after.active++;
        if (very) {
          facts.after.verySatisfied++;
          facts.after.ratingIds.push(r.id);
        }
      }
    }
    return facts;
  });
}

/** R10: after a negative rating against a window is verified, its "very satisfied" share jumps beyond chance. */
export function shareJumpSignals(jumps: readonly JumpFacts[], t: DetectionThresholds['shareJump']): Signal[] {
  const out: Signal[] = [];
  for (const { verified: v, before, after } of jumps) {
    if (after.active < t.minRatings || before.active === 0) continue;
    const beforeRate = before.verySatisfied / before.active;
    const p = binomialUpperTail(after.verySatisfied, after.active, beforeRate);
    if (p >= t.alpha) continue;
    const afterRate = after.verySatisfied / after.active;
    out.push(
      signal('share_jump', {
        dedupKey: `share_jump:window:${v.windowId}:${v.ratingId}`,
        subject: { type: 'window', key: String(v.windowId) },
        windowId: v.windowId,
        staffId: null,
        agencyCode: null,
        ratingIds: [...after.ratingIds],
        firstAt: v.at,
        lastAt: new Date(v.at.getTime() + t.days * DAY),
        explanation:
          `窗口 ${v.windowId} 的一条差评于 ${chinaDay(v.at)} 核实后，${t.days} 天内${VERY}占比由此前 ${t.days} 天的 ${pct(beforeRate)}（${before.active} 条）` +
          `升至 ${pct(afterRate)}（${after.active} 条）；按此前比例偶然达到的概率 p = ${pValue(p)}（阈值 ${t.alpha}）。`,
        evidence: {
          verifiedRatingId: v.ratingId,
          verifiedAt: v.at.toISOString(),
          before: { ...before, share: beforeRate },
          after: { active: after.active, verySatisfied: after.verySatisfied, share: afterRate },
          pValue: p,
        },
      }),
    );
  }
  return out;
}

/** What the signals read: the span's facts, and the monthly counts and verified negatives the job has gathered. */
export interface DetectionInput {
  ratings: readonly RatingFact[];
  attempts: readonly AttemptFact[];
  staff: readonly StaffIdentity[];
  served: readonly ServedFact[];
  counts: readonly WindowCounts[];
  jumps: readonly JumpFacts[];
}

/** R10: every signal over the facts, in the order of SIGNAL_KINDS. */
export function detectSignals(input: DetectionInput, thresholds: DetectionThresholds): Signal[] {
  return [
    ...staffIdentitySignals(input.ratings, input.staff),
    ...raterBurstSignals(input.ratings, thresholds.raterBurst),
    ...deviceBurstSignals(input.ratings, thresholds.deviceBurst),
    ...deviceOffHoursSignals(input.ratings, input.served, thresholds.offHours),
    ...quickCaseSignals(input.ratings, thresholds.quickCases),
    ...linkRepeatSignals(input.attempts, input.ratings, thresholds.linkRepeat),
    ...peerShareSignals(input.counts, thresholds.peerShare),
    ...shareJumpSignals(input.jumps, thresholds.shareJump),
  ];
}
