// R10 (issue 14): the signals of faked good ratings (刷好评), each on facts
// built around its threshold: it fires at the threshold and not one below
// it (for the two binomial tests: just below alpha and not at it); a default
// rating counts nowhere; a finding found again by a run over an overlapping
// span has the same dedupKey; its explanation is Chinese and its evidence
// holds no whole hash. The binomial tail against exact small cases.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { binomialUpperTail } from '../../src/domain/detection/binomial.ts';
import {
  detectSignals,
  deviceBurstSignals,
  deviceOffHoursSignals,
  jumpFacts,
  linkRepeatSignals,
  peerShareSignals,
  quickCaseSignals,
  raterBurstSignals,
  shareJumpSignals,
  staffIdentitySignals,
  windowCounts,
  type DetectionInput,
  type JumpFacts,
  type WindowCounts,
} from '../../src/domain/detection/signals.ts';
import { INJECT_KIND_NAMES, simulateYear } from '../../src/domain/detection/simulate.ts';
import {
  DEFAULT_DETECTION as T,
  SIGNAL_KINDS,
  SIGNAL_WEIGHTS,
  type AttemptFact,
  type RatingFact,
  type ServedFact,
  type StaffIdentity,
} from '../../src/domain/detection/types.ts';

/** A keyed hash as the platform stores it: 64 hex characters. */
const hash = (label: string) => createHash('sha256').update(label).digest('hex');
/** An instant written in China time: '2025-03-05 14:02:30'. */
const cn = (time: string) => new Date(`${time.replace(' ', 'T')}+08:00`);
const plus = (at: Date, seconds: number) => new Date(at.getTime() + seconds * 1000);
const MIN = 60;
const HOUR = 3600;
const DAY = 86_400;

let nextId = 1;
function rating(o: Partial<RatingFact> = {}): RatingFact {
  const id = o.id ?? nextId++;
  const givenAt = o.givenAt ?? cn('2025-03-05 10:00');
  return {
    id,
    givenAt,
    level: 'very_satisfied',
    isDefault: false,
    channel: 'sms',
    raterIdHash: hash(`person ${id}`),
    raterPhoneHash: hash(`phone ${id}`),
    clientId: null,
    tokenId: `${id}:n${id}`,
    occurredAt: plus(givenAt, -5 * MIN),
    windowId: 12,
    staffId: 7,
    agencyCode: 'A1',
    businessLineCode: 'SW',
    regionLevel: 3,
    caseAcceptedAt: plus(givenAt, -20 * MIN),
    caseCompletedAt: plus(givenAt, -5 * MIN),
    ...o,
  };
}
/** n ratings, the i-th made by `make(i)`. */
const many = (n: number, make: (i: number) => Partial<RatingFact>) => Array.from({ length: n }, (_, i) => rating(make(i)));
const asDefault = (rs: RatingFact[], i: number) => rs.map((r, j) => (j === i ? { ...r, isDefault: true, channel: 'system' } : r));
const idsOf = (signals: { ratingIds: number[] }[]) => signals.map((s) => s.ratingIds);

const STAFF: StaffIdentity[] = [
  { staffId: 7, agencyCode: 'A1', idHash: hash('staff 7 id'), phoneHash: hash('staff 7 phone') },
  { staffId: 8, agencyCode: 'A1', idHash: hash('staff 8 id'), phoneHash: null },
];

describe('binomialUpperTail: P(X ≥ k) for X ~ Binomial(n, p)', () => {
  const exact = (k: number, n: number, p: number) => {
    let sum = 0;
    for (let j = Math.max(0, k); j <= n; j++) {
      let c = 1;
      for (let i = 0; i < j; i++) c = (c * (n - i)) / (i + 1);
      sum += c * p ** j * (1 - p) ** (n - j);
    }
    return sum;
  };
  it.each([
    [8, 10, 0.5, 56 / 1024],
    [3, 5, 0.3, 0.16308],
    [1, 5, 0.3, 1 - 0.7 ** 5],
    [30, 30, 0.7, 0.7 ** 30],
    [0, 5, 0.3, 1],
    [6, 5, 0.3, 0],
    [1, 5, 0, 0],
    [0, 5, 0, 1],
    [5, 5, 1, 1],
    [1000, 1000, 0.5, 0.5 ** 1000], // 9.3e-302
    [100_000, 100_000, 0.999, Math.exp(100_000 * Math.log1p(-0.001))], // 3.5e-44
  ])('P(X ≥ %i; n = %i, p = %f) = %f', (k, n, p, want) => {
    const got = binomialUpperTail(k, n, p);
    if (want === 0) expect(got).toBe(0);
    else expect(Math.abs(got - want) / want).toBeLessThan(1e-12);
  });
  it('matches the sum of the exact terms for every k of n ≤ 40 at several p', () => {
    for (const n of [1, 2, 7, 20, 40])
      for (const p of [0.01, 0.3, 0.5, 0.956, 0.999])
        for (let k = 0; k <= n; k++) {
          const want = exact(k, n, p);
          expect(Math.abs(binomialUpperTail(k, n, p) - want)).toBeLessThanOrEqual(want * 1e-11 + 1e-15);
        }
  });
  it('the two tails of n = 100,000 add up to 1', () => {
    expect(binomialUpperTail(95_000, 100_000, 0.95) + binomialUpperTail(5_001, 100_000, 0.05)).toBeCloseTo(1, 12);
  });
});

describe('R10 staff_identity: rated with a staff member’s own identity document or mobile', () => {
  it.each([
    ['the rated staff member’s own ID', { raterIdHash: STAFF[0]!.idHash }, 7, { ratesOwnService: 1, matchedById: 1 }],
    ['the rated staff member’s own mobile', { raterPhoneHash: STAFF[0]!.phoneHash }, 7, { ratesOwnService: 1, matchedByPhone: 1 }],
    ['a colleague’s ID', { raterIdHash: STAFF[1]!.idHash }, 8, { ratesColleagues: 1, matchedById: 1 }],
  ])('%s: one rating is enough', (_, change, staffId, evidence) => {
    const [s, ...rest] = staffIdentitySignals([rating(change)], STAFF);
    expect(rest).toEqual([]);
    expect(s!.subject).toEqual({ type: 'staff', key: String(staffId) });
    expect(s!.evidence).toMatchObject(evidence);
    expect(s!.weight).toBe(SIGNAL_WEIGHTS.staff_identity);
  });
  it('anyone else’s identity, or a default rating with the staff member’s, is no finding', () => {
    expect(staffIdentitySignals([rating()], STAFF)).toEqual([]);
    expect(staffIdentitySignals([rating({ raterIdHash: STAFF[0]!.idHash, isDefault: true })], STAFF)).toEqual([]);
  });
  it('one finding per staff member and China day', () => {
    const rs = [
      rating({ raterIdHash: STAFF[0]!.idHash, givenAt: cn('2025-03-05 09:00') }),
      rating({ raterIdHash: STAFF[0]!.idHash, givenAt: cn('2025-03-05 23:59:59') }),
      rating({ raterIdHash: STAFF[0]!.idHash, givenAt: cn('2025-03-06 00:00') }),
    ];
    const found = staffIdentitySignals(rs, STAFF);
    expect(idsOf(found)).toEqual([[rs[0]!.id, rs[1]!.id], [rs[2]!.id]]);
    expect(found.map((s) => s.dedupKey)).toEqual(['staff_identity:staff:7:2025-03-05', 'staff_identity:staff:7:2025-03-06']);
  });
});

describe('R10 rater_burst: one rater at several windows within hours', () => {
  const burst = (n: number, spanSeconds: number, change: (i: number) => Partial<RatingFact> = (i) => ({ windowId: 12 + (i % 2) })) =>
    many(n, (i) => ({ raterIdHash: hash('hired'), givenAt: plus(cn('2025-03-05 10:00'), (spanSeconds * i) / Math.max(1, n - 1)), ...change(i) }));
  it.each([
    ['5 ratings at 2 windows within 24 h', 1, burst(5, 24 * HOUR)],
    ['4 ratings', 0, burst(4, HOUR)],
    ['5 ratings spanning 24 h and a second', 0, burst(5, 24 * HOUR + 1)],
    ['5 ratings at one window', 0, burst(5, HOUR, () => ({}))],
    ['5 at one window id in 2 agencies', 1, burst(5, HOUR, (i) => ({ agencyCode: `A${i % 2}` }))],
    ['5 ratings, the fifth a default', 0, asDefault(burst(5, HOUR), 4)],
  ])('%s → %i finding(s)', (_, n, rs) => {
    expect(raterBurstSignals(rs, T.raterBurst)).toHaveLength(n);
  });
  it('one mobile under different identities is found through the mobile; the same burst by both is one finding', () => {
    const byPhone = burst(5, HOUR, (i) => ({ windowId: 12 + (i % 2), raterIdHash: hash(`id ${i}`), raterPhoneHash: hash('hired phone') }));
    const [s] = raterBurstSignals(byPhone, T.raterBurst);
    expect(s!.subject).toEqual({ type: 'rater', key: hash('hired phone').slice(0, 12) });
    expect(s!.evidence).toMatchObject({ via: 'phone', raterHashPrefix: hash('hired phone').slice(0, 8), ratings: 5 });
    const byBoth = burst(5, HOUR, (i) => ({ windowId: 12 + (i % 2), raterPhoneHash: hash('hired phone') }));
    expect(raterBurstSignals(byBoth, T.raterBurst).map((x) => x.evidence.via)).toEqual(['id']);
  });
  it('a longer run is one finding with every rating of it', () => {
    const rs = burst(9, 40 * HOUR);
    expect(idsOf(raterBurstSignals(rs, T.raterBurst))).toEqual([rs.map((r) => r.id)]);
  });
});

describe('R10 device_burst: a device’s "very satisfied" within minutes', () => {
  const device = (n: number, spanSeconds: number, change: Partial<RatingFact> = {}) =>
    many(n, (i) => ({ channel: 'device', clientId: 501, givenAt: plus(cn('2025-03-05 12:00'), (spanSeconds * i) / Math.max(1, n - 1)), ...change }));
  const n = T.deviceBurst.count;
  it.each([
    [`${n} within 10 minutes`, 1, device(n, 10 * MIN)],
    [`${n - 1} within 10 minutes`, 0, device(n - 1, 5 * MIN)],
    [`${n} within 10 minutes and a second`, 0, device(n, 10 * MIN + 1)],
    [`${n} through SMS links`, 0, device(n, 5 * MIN, { channel: 'sms' })],
    [`${n}, one of them "satisfied"`, 0, device(n, 5 * MIN).map((r, i) => (i === 3 ? { ...r, level: 'satisfied' as const } : r))],
    [`${n}, one of them a default`, 0, asDefault(device(n, 5 * MIN), 3)],
    [`${n} loaded without a client (bulk): grouped by their window`, 1, device(n, 5 * MIN, { clientId: null })],
  ])('%s → %i finding(s)', (_, n, rs) => {
    expect(deviceBurstSignals(rs, T.deviceBurst)).toHaveLength(n);
  });
  it('overlapping spans are one finding, keyed by the window and its first rating', () => {
    const rs = device(20, 19 * MIN); // one a minute
    const found = deviceBurstSignals(rs, T.deviceBurst);
    expect(idsOf(found)).toEqual([rs.map((r) => r.id)]);
    expect(found[0]!.dedupKey).toBe(`device_burst:window:12:${rs[0]!.id}`);
    expect(found[0]!.subject).toEqual({ type: 'window', key: '12' });
  });
});

describe('R10 device_off_hours: a device rating well outside the hours its window served that day', () => {
  const served: ServedFact[] = [cn('2025-03-05 09:00'), cn('2025-03-05 12:00'), cn('2025-03-05 17:00')].map((occurredAt) => ({ windowId: 12, occurredAt }));
  const device = (times: string[]) => times.map((t) => rating({ channel: 'device', clientId: 501, givenAt: cn(t) }));
  it.each([
    ['3 more than 60 minutes after the last', 1, device(['2025-03-05 18:00:01', '2025-03-05 19:30', '2025-03-05 22:00']), served],
    ['3 more than 60 minutes before the first', 1, device(['2025-03-05 06:00', '2025-03-05 07:00', '2025-03-05 07:59:59']), served],
    ['2 of them', 0, device(['2025-03-05 19:30', '2025-03-05 22:00']), served],
    ['the third exactly 60 minutes after', 0, device(['2025-03-05 18:00', '2025-03-05 19:30', '2025-03-05 22:00']), served],
    ['3 on a day nothing was served', 1, device(['2025-03-08 10:00', '2025-03-08 11:00', '2025-03-08 12:00']), served],
    ['3, one a default', 0, asDefault(device(['2025-03-05 18:30', '2025-03-05 19:30', '2025-03-05 22:00']), 0), served],
  ])('%s → %i finding(s)', (_, n, rs, s) => {
    expect(deviceOffHoursSignals(rs, s, T.offHours)).toHaveLength(n);
  });
});

describe('R10 quick_cases: cases done in seconds and rated at once (秒办秒评)', () => {
  const quick = (n: number, caseSeconds = 60, rateSeconds = 120) =>
    many(n, (i) => {
      const completed = cn(`2025-03-05 ${10 + i}:00`);
      return { channel: 'device', caseAcceptedAt: plus(completed, -caseSeconds), caseCompletedAt: completed, givenAt: plus(completed, rateSeconds) };
    });
  it.each([
    ['5 at the limits (60 s, rated 120 s after)', 1, quick(5)],
    ['4', 0, quick(4)],
    ['5 cases of 61 s', 0, quick(5, 61)],
    ['5 rated 121 s after', 0, quick(5, 60, 121)],
    ['5, one a default', 0, asDefault(quick(5), 2)],
  ])('%s → %i finding(s)', (_, n, rs) => {
    expect(quickCaseSignals(rs, T.quickCases)).toHaveLength(n);
  });
});

describe('R10 link_repeat: one link, or one source over links, submitted again and again', () => {
  const start = cn('2025-03-05 10:00');
  const attempts = (n: number, spanSeconds: number, token: (i: number) => string, source = hash('source')): AttemptFact[] =>
    Array.from({ length: n }, (_, i) => ({
      at: plus(start, (spanSeconds * i) / Math.max(1, n - 1)),
      tokenId: token(i),
      clientId: null,
      sourceHash: i % 2 ? source : hash(`other ${i}`),
      outcome: i === 0 ? 'stored' : 'token_already_used',
    }));
  it.each([
    ['one token 5 times within an hour', 1, attempts(5, HOUR, () => '900:x')],
    ['one token 4 times', 0, attempts(4, HOUR, () => '900:x')],
    ['one token 5 times over an hour and a second', 0, attempts(5, HOUR + 1, () => '900:x')],
  ])('%s → %i finding(s)', (_, n, as) => {
    expect(linkRepeatSignals(as, [], T.linkRepeat)).toHaveLength(n);
  });
  const fromSource = (n: number, spanSeconds: number, tokens: number) =>
    Array.from({ length: n }, (_, i) => ({
      at: plus(start, (spanSeconds * i) / Math.max(1, n - 1)),
      tokenId: `${900 + (i % tokens)}:x`,
      clientId: null,
      sourceHash: hash('source'),
      outcome: 'stored',
    }));
  it.each([
    ['5 attempts over 5 links within an hour', 1, fromSource(5, HOUR, 5)],
    ['5 attempts over 2 links', 1, fromSource(5, HOUR, 2)],
    ['4 attempts over 4 links', 0, fromSource(4, HOUR, 4)],
    ['5 attempts over 5 links in an hour and a second', 0, fromSource(5, HOUR + 1, 5)],
  ])('source: %s → %i finding(s)', (_, n, as) => {
    expect(linkRepeatSignals(as, [], T.linkRepeat).filter((s) => s.subject.type === 'source' && s.evidence.sourceHashPrefix)).toHaveLength(n);
  });
  it('flags the rating stored through the link, at its window; a link with no rating names its occasion', () => {
    const stored = rating({ id: 900, tokenId: '900:x', windowId: 31 });
    const [withRating] = linkRepeatSignals(
      attempts(6, 10 * MIN, () => '900:x'),
      [stored],
      T.linkRepeat,
    );
    expect(withRating).toMatchObject({ ratingIds: [900], subject: { type: 'window', key: '31' }, windowId: 31 });
    const [without] = linkRepeatSignals(
      attempts(6, 10 * MIN, () => '901:y'),
      [stored],
      T.linkRepeat,
    );
    expect(without).toMatchObject({ ratingIds: [], subject: { type: 'source', key: '901' } });
    const [source] = linkRepeatSignals(fromSource(6, 10 * MIN, 6), [stored], T.linkRepeat);
    expect(source).toMatchObject({ ratingIds: [900], subject: { type: 'source', key: hash('source').slice(0, 12) } });
  });
});

/** The smallest count k of n whose upper tail at p is below alpha. */
const firstBelow = (n: number, p: number, alpha: number) => {
  let k = n;
  while (k > 0 && binomialUpperTail(k - 1, n, p) < alpha) k--;
  return k;
};

describe('R10 peer_share: a window’s "very satisfied" share beyond its peers’', () => {
  const peers: WindowCounts[] = Array.from({ length: 9 }, (_, i) => ({
    windowId: 100 + i,
    agencyCode: 'A2',
    businessLineCode: 'SW',
    regionLevel: 3,
    period: '2025-03',
    active: 100,
    verySatisfied: 95,
  }));
  const own = (active: number, verySatisfied: number, change: Partial<WindowCounts> = {}): WindowCounts => ({
    windowId: 12,
    agencyCode: 'A1',
    businessLineCode: 'SW',
    regionLevel: 3,
    period: '2025-03',
    active,
    verySatisfied,
    ...change,
  });
  const k = firstBelow(500, 0.95, T.peerShare.alpha);
  it('the count at which p drops below alpha is what a hand count gives', () => {
    expect(k).toBeLessThan(500);
    expect(binomialUpperTail(k, 500, 0.95)).toBeLessThan(T.peerShare.alpha);
    expect(binomialUpperTail(k - 1, 500, 0.95)).toBeGreaterThanOrEqual(T.peerShare.alpha);
  });
  const lax = { ...T.peerShare, alpha: 0.5 };
  it.each([
    [`${k} of 500 (p just below alpha)`, 1, own(500, k), T.peerShare],
    [`${k - 1} of 500 (p at or above alpha)`, 0, own(500, k - 1), T.peerShare],
    ['30 of 30 under a lax alpha', 1, own(30, 30), lax],
    ['29 of 29 under a lax alpha (too few ratings)', 0, own(29, 29), lax],
    ['97% of 100,000 (lift 0.02)', 1, own(100_000, 97_000), T.peerShare],
    ['96.9% of 100,000 (lift 0.019: p tiny, but too small a lift)', 0, own(100_000, 96_900), T.peerShare],
    ['all of 300 of another line (no peers)', 0, own(300, 300, { businessLineCode: 'GA' }), T.peerShare],
    ['all of 300 at another region level (no peers)', 0, own(300, 300, { regionLevel: 4 }), T.peerShare],
  ])('%s → %i finding(s)', (_, n, c, thresholds) => {
    const found = peerShareSignals([...peers, c], thresholds);
    expect(found).toHaveLength(n);
    for (const s of found)
      expect(s).toMatchObject({ dedupKey: 'peer_share:window:12:2025-03', ratingIds: [], evidence: { peerRate: expect.closeTo(0.95, 12), peers: 9 } });
  });
  it('the peer rate is the peer windows’ mean share: a faked peer with many ratings does not set it', () => {
    const faked: WindowCounts = { ...peers[0]!, windowId: 99, active: 2_000, verySatisfied: 2_000 };
    const found = peerShareSignals([...peers, faked, own(500, 500)], T.peerShare);
    const mine = found.find((s) => s.windowId === 12)!;
    expect(mine.evidence.peerRate).toBeCloseTo((9 * 0.95 + 1) / 10, 12);
  });
  it('windowCounts counts the active ratings given in the China month, per window', () => {
    const rs = [
      rating({ givenAt: cn('2025-02-28 23:59:59') }),
      rating({ givenAt: cn('2025-03-01 00:00') }),
      rating({ givenAt: cn('2025-03-31 23:59:59'), level: 'satisfied' }),
      rating({ givenAt: cn('2025-03-15 10:00'), isDefault: true }),
      rating({ givenAt: cn('2025-04-01 00:00') }),
      rating({ givenAt: cn('2025-03-15 10:00'), windowId: 13 }),
    ];
    expect(windowCounts(rs, '2025-03')).toEqual([
      { windowId: 12, agencyCode: 'A1', businessLineCode: 'SW', regionLevel: 3, period: '2025-03', active: 2, verySatisfied: 1 },
      { windowId: 13, agencyCode: 'A1', businessLineCode: 'SW', regionLevel: 3, period: '2025-03', active: 1, verySatisfied: 1 },
    ]);
  });
});

describe('R10 share_jump: the share after a verified negative, beyond the share before it', () => {
  const verified = { ratingId: 1, windowId: 12, at: cn('2025-03-10 10:00') };
  const jump = (before: [number, number], after: [number, number]): JumpFacts => ({
    verified,
    before: { active: before[0], verySatisfied: before[1] },
    after: { active: after[0], verySatisfied: after[1], ratingIds: Array.from({ length: after[1] }, (_, i) => 1000 + i) },
  });
  const k = firstBelow(60, 0.8, T.shareJump.alpha);
  it('the count at which p drops below alpha is what a hand count gives', () => {
    expect(k).toBeLessThan(60);
    expect(binomialUpperTail(k, 60, 0.8)).toBeLessThan(T.shareJump.alpha);
    expect(binomialUpperTail(k - 1, 60, 0.8)).toBeGreaterThanOrEqual(T.shareJump.alpha);
  });
  it.each([
    [`${k} of 60 after, 80% before (p just below alpha)`, 1, jump([40, 32], [60, k])],
    [`${k - 1} of 60 after (p at or above alpha)`, 0, jump([40, 32], [60, k - 1])],
    ['20 of 20 after, 50% before', 1, jump([40, 20], [20, 20])],
    ['19 of 19 after, 50% before (too few after)', 0, jump([40, 20], [19, 19])],
    ['60 of 60 after, nothing before', 0, jump([0, 0], [60, 60])],
    ['60 of 60 after, 100% before', 0, jump([40, 40], [60, 60])],
  ])('%s → %i finding(s)', (_, n, j) => {
    const found = shareJumpSignals([j], T.shareJump);
    expect(found).toHaveLength(n);
    for (const s of found) expect(s).toMatchObject({ dedupKey: 'share_jump:window:12:1', subject: { type: 'window', key: '12' } });
  });
  it('jumpFacts counts the window’s active ratings in the days before (from at − days) and after (to at + days, exclusive)', () => {
    const at = verified.at;
    const rs = [
      rating({ givenAt: plus(at, -30 * DAY - 1), level: 'satisfied' }), // too early
      rating({ givenAt: plus(at, -30 * DAY), level: 'satisfied' }),
      rating({ givenAt: plus(at, -1) }),
      rating({ givenAt: at }),
      rating({ givenAt: plus(at, 30 * DAY - 1), level: 'satisfied' }),
      rating({ givenAt: plus(at, 30 * DAY) }), // too late
      rating({ givenAt: plus(at, HOUR), isDefault: true }),
      rating({ givenAt: plus(at, HOUR), windowId: 13 }),
    ];
    expect(jumpFacts(rs, [verified], 30)).toEqual([
      { verified, before: { active: 2, verySatisfied: 1 }, after: { active: 2, verySatisfied: 1, ratingIds: [rs[3]!.id] } },
    ]);
  });
});

describe('R10 every signal: stable keys, Chinese explanations, no whole hash', () => {
  // A day on which every signal fires once, at window 12.
  function scenario(): DetectionInput {
    const day = '2025-03-05';
    const rs: RatingFact[] = [
      rating({ raterIdHash: STAFF[0]!.idHash, givenAt: cn(`${day} 09:30`) }),
      ...many(5, (i) => ({ raterIdHash: hash('hired'), windowId: 12 + (i % 2), givenAt: cn(`${day} 1${i}:10`) })),
      ...many(8, (i) => ({ channel: 'device', clientId: 501, givenAt: plus(cn(`${day} 12:00`), i * 30) })),
      ...many(3, (i) => ({ channel: 'device', clientId: 501, givenAt: cn(`${day} 2${i}:00`) })),
      ...many(5, (i) => ({ caseAcceptedAt: cn(`${day} 1${i}:30`), caseCompletedAt: cn(`${day} 1${i}:30:30`), givenAt: cn(`${day} 1${i}:31`) })),
    ];
    const attempts: AttemptFact[] = Array.from({ length: 5 }, (_, i) => ({
      at: cn(`${day} 15:0${i}`),
      tokenId: '900:x',
      clientId: null,
      sourceHash: hash('source'),
      outcome: 'token_expired',
    }));
    const served: ServedFact[] = [cn(`${day} 09:00`), cn(`${day} 17:00`)].map((occurredAt) => ({ windowId: 12, occurredAt }));
    const counts = [12, 13, 14].map((windowId) => ({
      windowId,
      agencyCode: 'A1',
      businessLineCode: 'SW',
      regionLevel: 3,
      period: '2025-03',
      active: 400,
      verySatisfied: windowId === 12 ? 400 : 380,
    }));
    const jumps = [
      {
        verified: { ratingId: 1, windowId: 12, at: cn('2025-02-20 10:00') },
        before: { active: 40, verySatisfied: 30 },
        after: { active: 60, verySatisfied: 60, ratingIds: [] },
      },
    ];
    return { ratings: rs, attempts, served, staff: STAFF, counts, jumps };
  }
  const input = scenario();
  const within = (from: string, to: string): DetectionInput => {
    const [a, b] = [cn(from).getTime(), cn(to).getTime()];
    const inSpan = (at: Date) => at.getTime() >= a && at.getTime() < b;
    return {
      ...input,
      ratings: input.ratings.filter((r) => inSpan(r.givenAt)),
      attempts: input.attempts.filter((x) => inSpan(x.at)),
      served: input.served.filter((s) => inSpan(s.occurredAt)),
    };
  };
  const found = detectSignals(input, T);

  it('each kind fires once on the day', () => {
    expect(found.map((s) => s.kind)).toEqual(Object.keys(SIGNAL_KINDS));
  });
  it('two runs over overlapping spans find the same keys', () => {
    const keys = (i: DetectionInput) => detectSignals(i, T).map((s) => s.dedupKey);
    expect(keys(within('2025-03-04 00:00', '2025-03-06 00:00'))).toEqual(keys(within('2025-03-05 00:00', '2025-03-07 00:00')));
    expect(keys(within('2025-03-04 00:00', '2025-03-06 00:00'))).toEqual(found.map((s) => s.dedupKey));
  });
  it('explains itself in Chinese with the weight of its kind', () => {
    for (const s of found) {
      expect(s.explanation, s.kind).toMatch(/[\u4e00-\u9fff]{4}/);
      expect(s.weight).toBe(SIGNAL_WEIGHTS[s.kind]);
    }
  });
  it('shows no whole hash anywhere in its evidence, subject, key or explanation', () => {
    const hashes = [
      ...input.ratings.flatMap((r) => [r.raterIdHash, r.raterPhoneHash]),
      ...input.attempts.map((a) => a.sourceHash),
      ...STAFF.flatMap((s) => [s.idHash, s.phoneHash]),
    ];
    const text = JSON.stringify(found);
    for (const h of hashes) if (h) expect(text.includes(h)).toBe(false);
  });
});

describe('R10 simulateYear: seeded and pure', () => {
  const options = { seed: 7, windows: 12, days: 40, start: new Date('2025-03-01T00:00:00+08:00') };
  it('the same seed gives the same year; the injected year keeps the clean year’s honest ratings', () => {
    const a = simulateYear({ ...options, inject: 'all' });
    const b = simulateYear({ ...options, inject: 'all' });
    expect(b.ratings).toEqual(a.ratings);
    expect(b.truth).toEqual(a.truth);
    const clean = simulateYear({ ...options, inject: [] });
    const faked = new Set(a.truth.keys());
    const honest = new Map(a.ratings.filter((r) => !faked.has(r.id)).map((r) => [r.id, r]));
    for (const r of clean.ratings) if (!faked.has(r.id)) expect(honest.get(r.id)).toEqual(r);
    expect(clean.truth.size).toBe(0);
  });
  it('injects every pattern it is asked for, and each injected rating is a "very satisfied" active rating', () => {
    const year = simulateYear({ ...options, days: 120, windows: 30, inject: 'all' });
    expect(new Set(year.injected.map((i) => i.kind))).toEqual(new Set(INJECT_KIND_NAMES));
    const byId = new Map(year.ratings.map((r) => [r.id, r]));
    for (const id of year.truth.keys()) expect(byId.get(id)).toMatchObject({ isDefault: false, level: 'very_satisfied' });
  });
});
