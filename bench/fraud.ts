// R10 (issue 14): how well the signals of faked good ratings (刷好评) find
// what was faked, on a simulated year (src/domain/detection/simulate.ts):
// one clean year, and the same year with every pattern injected. The signals
// run month by month as the detection job would (the month's facts with a
// look-back of three days for the clusters that straddle its start; the
// month's counts for peer_share; the verified negatives whose `days` after
// end in the month for share_jump), their findings merged by dedupKey.
//
//   npm run bench:fraud
//   npm run bench:fraud -- --seed 7 --windows 150
//   npm run bench:fraud -- --thresholds '{"peerShare":{"alpha":1e-4}}'   # other thresholds over the defaults
//
// Aim (issue 14): recall ≥ 0.9 on every injected pattern and precision ≥ 0.9
// over all flags, with DEFAULT_DETECTION. Nothing below is hard-coded: it
// prints what it measured.
import { detectSignals, jumpFacts, periodBounds, windowCounts } from '../src/domain/detection/signals.ts';
import { INJECT_KINDS, INJECT_KIND_NAMES, simulateYear, type InjectKind, type InjectedInstance, type SimulatedYear } from '../src/domain/detection/simulate.ts';
import { binomialUpperTail } from '../src/domain/detection/binomial.ts';
import { DEFAULT_DETECTION, SIGNAL_KINDS, type DetectionThresholds, type Signal, type SignalKind } from '../src/domain/detection/types.ts';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const fmt = (n: number) => n.toLocaleString('en-US');
const ratio = (a: number, b: number) => (b ? (a / b).toFixed(3) : '—');

const seed = Number(arg('--seed') ?? 2019);
const windowCount = Number(arg('--windows') ?? 120);
const days = Number(arg('--days') ?? 365);
const start = new Date(arg('--start') ?? '2025-01-01T00:00:00+08:00');
const overrides = JSON.parse(arg('--thresholds') ?? '{}') as Partial<Record<keyof DetectionThresholds, Record<string, number>>>;
const thresholds = Object.fromEntries(
  Object.entries(DEFAULT_DETECTION).map(([k, v]) => [k, { ...v, ...overrides[k as keyof DetectionThresholds] }]),
) as unknown as DetectionThresholds;
const SIGNAL_NAMES = Object.keys(SIGNAL_KINDS) as SignalKind[];
const DAY = 86_400_000;

/** The first index whose time is at or after `t` (the facts are sorted by time). */
function lowerBound<T>(items: readonly T[], time: (item: T) => number, t: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (time(items[mid]!) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
const slice = <T>(items: readonly T[], time: (item: T) => number, from: number, to: number) =>
  items.slice(lowerBound(items, time, from), lowerBound(items, time, to));

/** The detection job's runs over the year, month by month; the findings merged by dedupKey. */
function detectYear(year: SimulatedYear, t: DetectionThresholds): Signal[] {
  // The job reads the last three days each hour (docs/findings.md); more when a threshold's span is longer.
  const lookbackDays = Math.max(3, Math.ceil(Math.max(t.raterBurst.hours * 3_600_000, t.linkRepeat.hours * 3_600_000) / DAY));
  const found = new Map<string, Signal>();
  const last = Math.max(year.ratings.at(-1)!.givenAt.getTime(), (year.verified.at(-1)?.at.getTime() ?? 0) + t.shareJump.days * DAY);
  for (let month = periodOf(year.ratings[0]!.givenAt); periodBounds(month).from.getTime() <= last; month = nextPeriod(month)) {
    const { from, to } = periodBounds(month);
    const [a, b] = [from.getTime() - lookbackDays * DAY, to.getTime()];
    const ratings = slice(year.ratings, (r) => r.givenAt.getTime(), a, b);
    const due = year.verified.filter((v) => v.at.getTime() + t.shareJump.days * DAY >= from.getTime() && v.at.getTime() + t.shareJump.days * DAY < b);
    const signals = detectSignals(
      {
        ratings,
        attempts: slice(year.attempts, (x) => x.at.getTime(), a, b),
        served: slice(year.served, (s) => s.occurredAt.getTime(), a, b),
        staff: year.staff,
        counts: windowCounts(ratings, month),
        jumps: due.length ? jumpFacts(year.ratings, due, t.shareJump.days) : [],
      },
      t,
    );
    for (const s of signals) {
      // The job fills a monthly finding with the window's "very satisfied" ratings of the month.
      if (s.kind === 'peer_share')
        s.ratingIds = ratings
          .filter((r) => r.windowId === s.windowId && !r.isDefault && r.level === 'very_satisfied' && r.givenAt >= from && r.givenAt < to)
          .map((r) => r.id);
      const before = found.get(s.dedupKey);
      if (before) before.ratingIds = [...new Set([...before.ratingIds, ...s.ratingIds])];
      else found.set(s.dedupKey, s);
    }
  }
  return [...found.values()];
}
function periodOf(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 7);
}
function nextPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

function flaggedBy(signals: readonly Signal[]) {
  const by = new Map<number, Set<SignalKind>>();
  for (const s of signals)
    for (const id of s.ratingIds) {
      const kinds = by.get(id);
      if (kinds) kinds.add(s.kind);
      else by.set(id, new Set([s.kind]));
    }
  return by;
}

const facts = (y: SimulatedYear) => y.ratings.length + y.attempts.length + y.served.length + y.staff.length + y.verified.length;
const t0 = performance.now();
const clean = simulateYear({ seed, windows: windowCount, days, start, inject: [] });
const t1 = performance.now();
const cleanSignals = detectYear(clean, thresholds);
const t2 = performance.now();
const year = simulateYear({ seed, windows: windowCount, days, start, inject: 'all' });
const t3 = performance.now();
const signals = detectYear(year, thresholds);
const t4 = performance.now();

const active = (y: SimulatedYear) => y.ratings.filter((r) => !r.isDefault).length;
const share = (y: SimulatedYear) => {
  const very = y.ratings.filter((r) => r.level === 'very_satisfied').length;
  const negative = y.ratings.filter((r) => r.level === 'dissatisfied' || r.level === 'very_dissatisfied').length;
  return `${((very / y.ratings.length) * 100).toFixed(2)}% very satisfied, ${((negative / y.ratings.length) * 100).toFixed(4)}% negative (defaults included)`;
};
console.log(
  `fraud detection benchmark — seed ${seed}, ${clean.windows.length} windows, ${days} days from ${periodOf(start)}, thresholds ${JSON.stringify(thresholds)}`,
);
console.log(
  `clean year: ${fmt(clean.ratings.length)} ratings (${fmt(active(clean))} active; ${share(clean)}), ${fmt(clean.attempts.length)} attempts, ${fmt(clean.served.length)} served, ${fmt(clean.verified.length)} verified negatives — ${fmt(facts(clean))} facts; generated in ${((t1 - t0) / 1000).toFixed(1)} s, detected in ${((t2 - t1) / 1000).toFixed(1)} s`,
);
console.log(
  `injected year: ${fmt(year.ratings.length)} ratings (${fmt(active(year))} active, ${fmt(year.truth.size)} injected), ${fmt(year.attempts.length)} attempts — ${fmt(facts(year))} facts; generated in ${((t3 - t2) / 1000).toFixed(1)} s, detected in ${((t4 - t3) / 1000).toFixed(1)} s`,
);

// ——— per injected pattern: recall ———
const flagged = flaggedBy(signals);
const subjectFlagged = (kind: InjectKind, key: string) =>
  signals.some(
    (s) =>
      s.kind === 'link_repeat' &&
      (kind === 'link_token'
        ? s.evidence.tokenOccasion === key || (s.evidence.tokenOccasions as string[] | undefined)?.includes(key)
        : s.subject.type === 'source' && s.subject.key === key),
  );
/** An instance is found when at least half of its ratings are flagged, or (a link's or source's) its subject is. */
const isFound = (i: InjectedInstance) =>
  (i.ratingIds.length > 0 && i.ratingIds.filter((id) => flagged.has(id)).length * 2 >= i.ratingIds.length) ||
  ((i.kind === 'link_token' || i.kind === 'link_source') && subjectFlagged(i.kind, i.subject.key));
console.log('\n### injected patterns: recall\n');
console.log('| pattern | instances | found | recall (instances) | injected ratings | flagged | recall (ratings) | flagged by |');
console.log('|---|---|---|---|---|---|---|---|');
for (const kind of INJECT_KIND_NAMES) {
  const instances = year.injected.filter((i) => i.kind === kind);
  const ids = [...year.truth].filter(([, k]) => k === kind).map(([id]) => id);
  const hit = ids.filter((id) => flagged.has(id));
  const found = instances.filter(isFound);
  const catchers = SIGNAL_NAMES.map((s) => [s, ids.filter((id) => flagged.get(id)?.has(s)).length] as const)
    .filter(([, n]) => n)
    .map(([s, n]) => `${s} ${fmt(n)}`)
    .join(', ');
  console.log(
    `| ${kind} (${INJECT_KINDS[kind]}) | ${instances.length} | ${found.length} | ${ratio(found.length, instances.length)} | ${fmt(ids.length)} | ${fmt(hit.length)} | ${ratio(hit.length, ids.length)} | ${catchers || '—'} |`,
  );
}

// ——— why the monthly patterns were missed (a diagnosis: it reads the truth, which the signals never do) ———
const missed = year.injected.filter((i) => i.kind === 'month_pushed' && !isFound(i));
if (missed.length) {
  console.log(
    '\nmonth_pushed instances missed — their month against all peers (what peer_share tests) and against the peers not faked themselves that month:\n',
  );
  console.log('| window | month | region level | active | share | peers | peer rate | p | honest peers | their rate | p against them |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const fakedIn = (period: string) =>
    new Set(
      year.injected
        .filter((i) => (i.kind === 'month_pushed' || i.kind === 'jump_after_negative') && i.ratingIds.some((id) => monthOfRating.get(id) === period))
        .map((i) => i.windowId),
    );
  const monthOfRating = new Map(year.ratings.map((r) => [r.id, periodOf(r.givenAt)]));
  for (const i of missed) {
    const counts = windowCounts(year.ratings, i.period!);
    const own = counts.find((c) => c.windowId === i.windowId)!;
    const peers = counts.filter((c) => c.windowId !== own.windowId && c.businessLineCode === own.businessLineCode && c.regionLevel === own.regionLevel);
    const faked = fakedIn(i.period!);
    const honest = peers.filter((c) => !faked.has(c.windowId));
    const rate = (cs: typeof peers) => cs.reduce((n, c) => n + c.verySatisfied, 0) / cs.reduce((n, c) => n + c.active, 0);
    const p = (r: number) => binomialUpperTail(own.verySatisfied, own.active, r).toExponential(1);
    console.log(
      `| ${own.windowId} | ${i.period} | ${own.regionLevel} | ${own.active} | ${(own.verySatisfied / own.active).toFixed(3)} | ${peers.length} | ${rate(peers).toFixed(3)} | ${p(rate(peers))} | ${honest.length} | ${rate(honest).toFixed(3)} | ${p(rate(honest))} |`,
    );
  }
}

// ——— per signal: precision on the injected year, false flags on the clean year ———
const cleanFlagged = flaggedBy(cleanSignals);
console.log('\n### signals: precision (injected year) and false flags (clean year)\n');
console.log('| signal | findings | flagged ratings | truly injected | precision | clean year: findings | clean: flagged ratings |');
console.log('|---|---|---|---|---|---|---|');
for (const kind of [...SIGNAL_NAMES, null]) {
  const mine = kind ? signals.filter((s) => s.kind === kind) : signals;
  const ids = kind ? [...flagged].filter(([, ks]) => ks.has(kind)).map(([id]) => id) : [...flagged.keys()];
  const truly = ids.filter((id) => year.truth.has(id)).length;
  const cleanMine = kind ? cleanSignals.filter((s) => s.kind === kind) : cleanSignals;
  const cleanIds = kind ? [...cleanFlagged].filter(([, ks]) => ks.has(kind)).length : cleanFlagged.size;
  console.log(
    `| ${kind ? `${kind} (${SIGNAL_KINDS[kind]})` : '**all signals**'} | ${fmt(mine.length)} | ${fmt(ids.length)} | ${fmt(truly)} | ${ratio(truly, ids.length)} | ${fmt(cleanMine.length)} | ${fmt(cleanIds)} |`,
  );
}
const windowsFlagged = new Set<number>();
for (const s of cleanSignals) if (s.windowId !== null) windowsFlagged.add(s.windowId);
const windowOf = new Map(clean.ratings.map((r) => [r.id, r.windowId]));
for (const id of cleanFlagged.keys()) if (windowOf.get(id) != null) windowsFlagged.add(windowOf.get(id)!);
console.log(
  `\nclean year false-flag rate: ${fmt(cleanFlagged.size)} of ${fmt(active(clean))} active ratings flagged (${((cleanFlagged.size / active(clean)) * 100).toFixed(3)}%); ` +
    `${windowsFlagged.size} of ${clean.windows.length} windows flagged (${ratio(windowsFlagged.size, clean.windows.length)}).`,
);
console.log(`elapsed: ${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
