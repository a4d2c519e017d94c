// R10 (issue 14): a seeded year of ratings at ~120 windows, honest by
// default, with faked good ratings (刷好评) injected where asked, so that the
// signals can be measured (bench/fraud.ts) on data whose truth is known.
// Pure: the same options give the same year.
//
// The honest year follows what Guangdong publishes: 99.78% of all ratings
// "very satisfied" and 0.0095% negative, default ratings included. So most
// occasions go unrated and get the default (R6); about 5% are rated, of which
// ~95.6% "very satisfied", a few percent "satisfied" or "basically
// satisfied", and ~0.2% negative, each window with its own honest rates.
// The injected patterns change only what the faking itself changes (the
// level, channel, time and rater of an occasion that would have gone
// unrated, or cases and attempts that would not exist): nothing marks them
// in the facts. Their sizes are drawn from ranges written below, chosen as
// what faking at a window plausibly looks like, not from the thresholds.
import type { Level } from '../ratings.ts';
import type { AttemptFact, RatingFact, ServedFact, StaffIdentity, SubjectRef, VerifiedNegative } from './types.ts';

/** The patterns of faked good ratings the simulation can inject. */
export const INJECT_KINDS = {
  staff_self: '工作人员用本人身份证件号或手机号评价本窗口或同事',
  hired_rater: '同一评价人几小时内在多个窗口评价',
  device_burst: '评价器几分钟内连按“非常满意”',
  device_night: '评价器在下班后或上班前评价',
  quick_cycles: '受理即办结即评价（秒办秒评）',
  link_token: '同一评价链接反复提交',
  link_source: '同一来源地址通过多个链接提交',
  month_pushed: '一个月内把“非常满意”占比刷到近 100%',
  jump_after_negative: '差评核实后集中刷好评',
} as const;
export type InjectKind = keyof typeof INJECT_KINDS;
export const INJECT_KIND_NAMES = Object.keys(INJECT_KINDS) as InjectKind[];

export interface SimulationOptions {
  seed: number;
  /** About this many windows (whole agencies of 2–4 windows are added until it is reached). Default 120. */
  windows?: number;
  /** Default 365. */
  days?: number;
  /** The first day (its China day). */
  start: Date;
  inject: readonly InjectKind[] | 'all';
}

/** One simulated window: its staff member, agency, peer group and honest habits. */
export interface SimWindow {
  windowId: number;
  staffId: number;
  agencyCode: string;
  businessLineCode: string;
  regionLevel: number;
  /** The window's evaluation device (its API client), if it has one. */
  clientId: number | null;
  occasionsPerDay: number;
  activeRate: number;
  verySatisfiedRate: number;
}

/** One injected instance of a pattern: what it is about and the ratings it made. */
export interface InjectedInstance {
  kind: InjectKind;
  /** staff_self: the staff member; hired_rater: the rater (12 characters of the hash); link_token: the token's occasion; link_source: the source (12 characters); others: the window. */
  subject: SubjectRef;
  windowId: number | null;
  /** month_pushed: the month faked, 'YYYY-MM'. */
  period?: string;
  firstAt: Date;
  ratingIds: number[];
}

export interface SimulatedYear {
  ratings: RatingFact[];
  attempts: AttemptFact[];
  staff: StaffIdentity[];
  served: ServedFact[];
  verified: VerifiedNegative[];
  windows: SimWindow[];
  /** Every injected rating and its pattern. */
  truth: Map<number, InjectKind>;
  injected: InjectedInstance[];
}

/** mulberry32, as seededRandom in src/app/demo.ts: small, fast, good enough for a simulation. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomTools(seed: number) {
  const next = mulberry32(seed);
  // Hex by Buffer: string-building it digit by digit took most of the simulation's time.
  const hashBytes = Buffer.alloc(32);
  const hashWords = new Uint32Array(hashBytes.buffer, hashBytes.byteOffset, 8);
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const tools = {
    next,
    between: (a: number, b: number) => a + (b - a) * next(),
    int: (a: number, b: number) => a + Math.floor(next() * (b - a + 1)),
    chance: (p: number) => next() < p,
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!,
    /** k distinct items of the list, in random order. */
    sample: <T>(list: readonly T[], k: number): T[] => {
      const out = [...list];
      for (let i = 0; i < Math.min(k, out.length); i++) {
        const j = i + Math.floor(next() * (out.length - i));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out.slice(0, k);
    },
    logNormal: (median: number, sigma: number) => median * Math.exp(sigma * normal()),
    poisson: (mean: number) => {
      if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal()));
      let k = 0;
      for (let p = next(), limit = Math.exp(-mean); p > limit; p *= next()) k++;
      return k;
    },
    /** A stand-in for a keyed hash (64 hex characters, as Protector.hash gives). */
    hash: () => {
      for (let i = 0; i < 8; i++) hashWords[i] = next() * 4294967296;
      return hashBytes.toString('hex');
    },
  };
  return tools;
}
type Random = ReturnType<typeof randomTools>;

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const CHINA = 8 * HOUR;
const LINES = ['GA', 'SW', 'SCJG', 'RS'];
/** Occasions a day at a window, by region level (2 city, 3 county, 4 township). */
const VOLUME: Record<number, [number, number]> = { 2: [30, 70], 3: [15, 45], 4: [8, 25] };
/** The client id of the government-service app (one channel client for all its ratings). */
const APP_CLIENT = 1;
/** R6: an occasion may be rated until 24:00 of the 7th natural day after it. */
const RATING_DAYS = 7;

/** The token id of an occasion's rating link ("occasion:nonce"); the nonce is any fixed function of the occasion here. */
const tokenOf = (occasionId: number) => `${occasionId}:${(Math.imul(occasionId, 2654435761) >>> 0).toString(36)}`;

interface Person {
  idHash: string;
  phoneHash: string | null;
}

/** R10: a year of ratings, honest, with the asked patterns of faked good ratings injected. */
export function simulateYear(options: SimulationOptions): SimulatedYear {
  const random = randomTools(options.seed);
  const days = options.days ?? 365;
  const firstDay = Math.floor((options.start.getTime() + CHINA) / DAY) * DAY - CHINA; // 00:00 China time
  const dayStart = (d: number) => firstDay + d * DAY;

  // ——— the organisation: agencies of 2–4 windows, a line and a region level each, one staff member per window ———
  const windows: SimWindow[] = [];
  const agencies: number[][] = [];
  for (let a = 0; windows.length < (options.windows ?? 120); a++) {
    const line = LINES[a % LINES.length]!;
    const level = 2 + (Math.floor(a / LINES.length) % 3);
    const agencyCode = `GX${level}${line}${String(a + 1).padStart(3, '0')}`;
    const members: number[] = [];
    for (let k = random.int(2, 4); k > 0; k--) {
      const i = windows.length;
      members.push(i);
      windows.push({
        windowId: 101 + i,
        staffId: 1 + i,
        agencyCode,
        businessLineCode: line,
        regionLevel: level,
        clientId: random.chance(0.8) ? 5001 + i : null,
        occasionsPerDay: random.between(...VOLUME[level]!),
        activeRate: random.between(0.03, 0.08),
        verySatisfiedRate: random.between(0.93, 0.985),
      });
    }
    agencies.push(members);
  }
  const agencyOf = windows.map((_, i) => agencies.findIndex((m) => m.includes(i)));
  const W = windows.length;
  const staff: StaffIdentity[] = windows.map((w) => ({
    staffId: w.staffId,
    agencyCode: w.agencyCode,
    idHash: random.hash(),
    phoneHash: random.chance(0.95) ? random.hash() : null,
  }));
  const carriers = Array.from({ length: 30_000 }, () => random.hash()); // mobile networks' addresses
  const halls = agencies.map(() => random.hash()); // each agency's service hall Wi-Fi

  const workingDays: number[] = [];
  for (let d = 0; d < days; d++) if ([1, 2, 3, 4, 5].includes(new Date(dayStart(d) + CHINA).getUTCDay())) workingDays.push(d);
  const monthFactor = Array.from({ length: 12 }, () => random.between(0.85, 1.15));

  // Repeat customers (agents of businesses) and staff members' own cases: occasions added to some window-days.
  const extra = new Map<number, Person[]>(); // day * W + window → the people served there that day besides the walk-ins
  const addExtra = (d: number, w: number, p: Person) => {
    const list = extra.get(d * W + w);
    if (list) list.push(p);
    else extra.set(d * W + w, [p]);
  };
  const agents = new Set<Person>();
  for (let g = 0; g < 150; g++) {
    const agent: Person = { idHash: random.hash(), phoneHash: random.hash() };
    agents.add(agent);
    const home = random.pick(agencies);
    for (let v = random.poisson(30); v > 0; v--) {
      const d = random.pick(workingDays);
      for (const w of random.sample(home, random.chance(0.2) ? 2 : 1)) for (let c = random.pick([1, 1, 1, 2, 2, 3, 4]); c > 0; c--) addExtra(d, w, agent);
    }
  }
  for (const s of staff) {
    for (let n = random.poisson(1.5); n > 0; n--) addExtra(random.pick(workingDays), random.int(0, W - 1), { idHash: s.idHash!, phoneHash: s.phoneHash });
  }

  // ——— the honest year ———
  const ratings: RatingFact[] = [];
  const served: ServedFact[] = [];
  const attempts: AttemptFact[] = [];
  const verified: VerifiedNegative[] = [];
  const slots = new Map<number, [number, number]>(); // day * W + window → the range of its occasions in `ratings`
  const workMinute = (m: number) => (m < 180 ? 9 * 60 + m : 13.5 * 60 + (m - 180)); // 9:00–12:00, 13:30–17:00
  const nonVerySatisfied = (): Level => {
    const x = random.next();
    return x < 0.7 ? 'satisfied' : x < 0.955 ? 'basically_satisfied' : x < 0.985 ? 'dissatisfied' : 'very_dissatisfied';
  };
  const linkAttempts = (at: Date, tokenId: string, sourceHash: string) => {
    attempts.push({ at, tokenId, clientId: null, sourceHash, outcome: 'stored' });
    // An honest retry: the page was sent twice, or opened again after rating.
    if (random.chance(0.08))
      for (let k = random.int(1, 2); k > 0; k--)
        attempts.push({ at: new Date(at.getTime() + random.int(2, 600) * 1000), tokenId, clientId: null, sourceHash, outcome: 'token_already_used' });
  };

  for (const d of workingDays) {
    const factor = monthFactor[new Date(dayStart(d) + CHINA).getUTCMonth()]!;
    const deadline = new Date(dayStart(d + RATING_DAYS + 1));
    for (let w = 0; w < W; w++) {
      const win = windows[w]!;
      const people: (Person | null)[] = new Array<Person | null>(random.poisson(win.occasionsPerDay * factor)).fill(null);
      people.push(...(extra.get(d * W + w) ?? []));
      const times = people.map(() => dayStart(d) + workMinute(random.next() * 390) * MINUTE + random.int(0, 59) * 1000).sort((a, b) => a - b);
      const first = ratings.length;
      for (const [k, at] of times.entries()) {
        const person = people[k] ?? { idHash: random.hash(), phoneHash: random.chance(0.85) ? random.hash() : null };
        const id = ratings.length + 1;
        const occurredAt = new Date(at);
        const acceptedAt = random.chance(0.75)
          ? new Date(at - 40_000 - random.logNormal(6, 0.7) * MINUTE)
          : new Date(at - random.int(1, 20) * DAY - random.int(0, 8 * 60) * MINUTE);
        served.push({ windowId: win.windowId, occurredAt });
        const rating: RatingFact = {
          id,
          givenAt: deadline,
          level: 'very_satisfied',
          isDefault: true,
          channel: 'system',
          raterIdHash: person.idHash,
          raterPhoneHash: person.phoneHash,
          clientId: null,
          tokenId: null,
          occurredAt,
          windowId: win.windowId,
          staffId: win.staffId,
          agencyCode: win.agencyCode,
          businessLineCode: win.businessLineCode,
          regionLevel: win.regionLevel,
          caseAcceptedAt: acceptedAt,
          caseCompletedAt: occurredAt,
        };
        ratings.push(rating);
        if (!random.chance(agents.has(person) ? 0.25 : win.activeRate)) continue;
        // An active rating: the channel, when, and what it says.
        const x = random.next() * (win.clientId ? 1 : 0.6);
        const channel = x < 0.3 ? (person.phoneHash ? 'sms' : 'web') : x < 0.4 ? 'web' : x < 0.6 ? 'app' : 'device';
        const delay =
          channel === 'device'
            ? random.int(10, 150) * 1000
            : channel === 'web'
              ? random.int(1, 60) * MINUTE
              : random.logNormal(channel === 'sms' ? 2 : 5, 1.2) * HOUR;
        rating.isDefault = false;
        rating.channel = channel;
        rating.givenAt = new Date(Math.min(at + delay, deadline.getTime() - random.int(1, 600) * 1000));
        rating.level = random.chance(win.verySatisfiedRate) ? 'very_satisfied' : nonVerySatisfied();
        rating.clientId = channel === 'device' ? win.clientId : channel === 'app' ? APP_CLIENT : null;
        rating.tokenId = channel === 'app' ? null : tokenOf(id);
        if (channel === 'sms' || channel === 'web')
          linkAttempts(rating.givenAt, rating.tokenId!, channel === 'web' && random.chance(0.5) ? halls[agencyOf[w]!]! : random.pick(carriers));
        if ((rating.level === 'dissatisfied' || rating.level === 'very_dissatisfied') && random.chance(0.6))
          verified.push({ ratingId: id, windowId: win.windowId, at: new Date(rating.givenAt.getTime() + random.between(3, 20) * DAY) });
      }
      slots.set(d * W + w, [first, ratings.length]);
    }
  }

  // ——— the injected patterns, each with its own random numbers so that asking for fewer leaves the others as they were ———
  const truth = new Map<number, InjectKind>();
  const injected: InjectedInstance[] = [];
  const used = new Set<number>(); // indices in `ratings` already faked
  const busy: { w: number; from: number; to: number }[] = []; // window-spans faked for weeks, kept apart
  const isBusy = (w: number, from: number, to: number) => busy.some((b) => b.w === w && b.from < to && from < b.to);
  const kinds = options.inject === 'all' ? INJECT_KIND_NAMES : options.inject;
  const deviceWindows = windows.flatMap((w, i) => (w.clientId ? [i] : []));

  /** The occasions of a window on a day still unrated (to get the default), optionally served before an instant. */
  const unrated = (d: number, w: number, before = Infinity) => {
    const [from, to] = slots.get(d * W + w) ?? [0, 0];
    const out: number[] = [];
    for (let i = from; i < to; i++) if (ratings[i]!.isDefault && !used.has(i) && ratings[i]!.occurredAt.getTime() < before) out.push(i);
    return out;
  };
  /** Fakes a "very satisfied" rating of an occasion that would have gone unrated. */
  const fake = (i: number, kind: InjectKind, change: Partial<RatingFact> & Pick<RatingFact, 'givenAt' | 'channel'>) => {
    const r = ratings[i]!;
    const tokenId = change.channel === 'app' ? null : tokenOf(r.id);
    const clientId = change.channel === 'device' ? windows[r.windowId! - 101]!.clientId : change.channel === 'app' ? APP_CLIENT : null;
    ratings[i] = { ...r, isDefault: false, level: 'very_satisfied', tokenId, clientId, ...change };
    used.add(i);
    truth.set(r.id, kind);
    return ratings[i]!;
  };
  const record = (kind: InjectKind, subject: SubjectRef, windowId: number | null, rs: RatingFact[], extra: Partial<InjectedInstance> = {}) => {
    if (!rs.length && !extra.firstAt) return;
    injected.push({
      kind,
      subject,
      windowId,
      firstAt: rs.map((r) => r.givenAt).sort((a, b) => a.getTime() - b.getTime())[0]!,
      ratingIds: rs.map((r) => r.id),
      ...extra,
    });
  };
  /** Faked through a link (SMS or the receipt's QR code) or the app, some time after the occasion, before its deadline. */
  const campaign = (rng: Random, i: number, kind: InjectKind) => {
    const r = ratings[i]!;
    const channel = rng.pick(['sms', 'sms', 'sms', 'web', 'web', 'app', 'app', 'app'] as const);
    const givenAt = new Date(Math.min(r.occurredAt.getTime() + rng.logNormal(3, 1.2) * HOUR, r.givenAt.getTime() - rng.int(1, 600) * 1000));
    const f = fake(i, kind, { givenAt, channel });
    if (channel !== 'app') attempts.push({ at: givenAt, tokenId: f.tokenId, clientId: null, sourceHash: rng.pick(carriers), outcome: 'stored' });
    return f;
  };
  const monthOf = (t: number) => new Date(t + CHINA).toISOString().slice(0, 7);

  const injectors: Record<InjectKind, (rng: Random) => void> = {
    // A verified complaint, then weeks (20–60 days) of faked "very satisfied" at that window: 80–95% of its unrated occasions.
    jump_after_negative: (rng) => {
      for (const v of rng.sample(verified, rng.int(20, 28))) {
        const w = v.windowId - 101;
        const at = v.at.getTime();
        const span = rng.between(20, 60) * DAY;
        if (isBusy(w, at - 30 * DAY, at + span)) continue;
        busy.push({ w, from: at - 30 * DAY, to: at + span });
        const share = rng.between(0.8, 0.95);
        const rs: RatingFact[] = [];
        for (const d of workingDays)
          if (dayStart(d) >= at - DAY && dayStart(d) < at + span)
            for (const i of unrated(d, w))
              if (ratings[i]!.occurredAt.getTime() >= at && ratings[i]!.occurredAt.getTime() < at + span && rng.chance(share))
                rs.push(campaign(rng, i, 'jump_after_negative'));
        record('jump_after_negative', { type: 'window', key: String(v.windowId) }, v.windowId, rs);
      }
    },
    // A month in which a window has 80–95% of its unrated occasions rated "very satisfied".
    month_pushed: (rng) => {
      for (let n = rng.int(20, 28); n > 0; n--) {
        const w = rng.int(0, W - 1);
        const month = monthOf(dayStart(rng.pick(workingDays)));
        const ds = workingDays.filter((d) => monthOf(dayStart(d)) === month);
        const from = dayStart(ds[0]!);
        if (ds.length < 15 || isBusy(w, from - 30 * DAY, from + 61 * DAY)) continue;
        busy.push({ w, from: from - 30 * DAY, to: from + 61 * DAY });
        const share = rng.between(0.8, 0.95);
        const rs = ds.flatMap((d) => unrated(d, w).flatMap((i) => (rng.chance(share) ? [campaign(rng, i, 'month_pushed')] : [])));
        record('month_pushed', { type: 'window', key: String(windows[w]!.windowId) }, windows[w]!.windowId, rs, { period: month });
      }
    },
    // A staff member rates 1–3 occasions of their own window (60%) or a colleague's: in the app with their own identity, or by their own mobile given as the applicant's.
    staff_self: (rng) => {
      for (let n = rng.int(24, 36); n > 0; n--) {
        const own = rng.int(0, W - 1);
        const colleagues = agencies[agencyOf[own]!]!.filter((i) => i !== own);
        const w = rng.chance(0.6) || !colleagues.length ? own : rng.pick(colleagues);
        const s = staff[own]!;
        const byPhone = s.phoneHash !== null && rng.chance(0.5);
        const rs = rng.sample(unrated(rng.pick(workingDays), w), rng.int(1, 3)).map((i) => {
          const givenAt = new Date(ratings[i]!.occurredAt.getTime() + rng.between(5, 180) * MINUTE);
          const f = byPhone
            ? fake(i, 'staff_self', { givenAt, channel: 'sms', raterPhoneHash: s.phoneHash })
            : fake(i, 'staff_self', { givenAt, channel: 'app', raterIdHash: s.idHash });
          if (byPhone) attempts.push({ at: givenAt, tokenId: f.tokenId, clientId: null, sourceHash: rng.pick(carriers), outcome: 'stored' });
          return f;
        });
        record('staff_self', { type: 'staff', key: String(s.staffId) }, windows[w]!.windowId, rs);
      }
    },
    // One hired identity rates 6–15 occasions at 2–4 windows (half the time of one agency) within 1–6 hours, in the app.
    hired_rater: (rng) => {
      for (let n = rng.int(24, 36); n > 0; n--) {
        const rater: Person = { idHash: rng.hash(), phoneHash: rng.hash() };
        const agency = rng.pick(agencies);
        const ws = agency.length >= 2 && rng.chance(0.5) ? rng.sample(agency, rng.int(2, agency.length)) : rng.sample([...windows.keys()], rng.int(2, 4));
        const d = rng.pick(workingDays);
        const start = dayStart(d) + rng.between(10, 14) * HOUR;
        const span = rng.between(1, 6) * HOUR;
        const pools = ws.map((w) => rng.sample(unrated(d, w, start + span), 15));
        const rs: RatingFact[] = [];
        for (let k = rng.int(6, 15), j = 0; k > 0 && pools.some((p) => p.length); j++) {
          const i = pools[j % pools.length]!.pop();
          if (i === undefined) continue;
          const givenAt = new Date(Math.max(ratings[i]!.occurredAt.getTime() + rng.int(1, 10) * MINUTE, start + rng.next() * span));
          rs.push(fake(i, 'hired_rater', { givenAt, channel: 'app', raterIdHash: rater.idHash, raterPhoneHash: rater.phoneHash }));
          k--;
        }
        record('hired_rater', { type: 'rater', key: rater.idHash.slice(0, 12) }, null, rs);
      }
    },
    // At lunch or after closing, the window's device rates 10–25 of the day's unrated occasions, one every 12–45 seconds.
    device_burst: (rng) => {
      for (let n = rng.int(24, 36); n > 0; n--) {
        const w = rng.pick(deviceWindows);
        const d = rng.pick(workingDays);
        let at = dayStart(d) + (rng.chance(0.5) ? rng.between(12, 12.6) : rng.between(17, 17.5)) * HOUR;
        const rs = rng
          .sample(unrated(d, w, at), rng.int(10, 25))
          .map((i) => fake(i, 'device_burst', { givenAt: new Date((at += rng.int(12, 45) * 1000)), channel: 'device' }));
        record('device_burst', { type: 'window', key: String(windows[w]!.windowId) }, windows[w]!.windowId, rs);
      }
    },
    // In the evening (19:00–21:30), or early the next morning (6:30–7:45), the device rates 3–8 of the day's unrated occasions, minutes apart.
    device_night: (rng) => {
      for (let n = rng.int(24, 36); n > 0; n--) {
        const w = rng.pick(deviceWindows);
        const d = rng.pick(workingDays);
        let at = rng.chance(0.7) ? dayStart(d) + rng.between(19, 21.5) * HOUR : dayStart(d + 1) + rng.between(6.5, 7.75) * HOUR;
        const rs = rng
          .sample(unrated(d, w), rng.int(3, 8))
          .map((i) => fake(i, 'device_night', { givenAt: new Date((at += rng.between(2, 12) * MINUTE)), channel: 'device' }));
        record('device_night', { type: 'window', key: String(windows[w]!.windowId) }, windows[w]!.windowId, rs);
      }
    },
    // 6–12 cases in a day, each accepted and completed within 8–50 seconds and rated on the device 10–100 seconds later.
    quick_cycles: (rng) => {
      for (let n = rng.int(24, 36); n > 0; n--) {
        const w = rng.pick(deviceWindows);
        const win = windows[w]!;
        const d = rng.pick(workingDays);
        const rs: RatingFact[] = [];
        for (let k = rng.int(6, 12); k > 0; k--) {
          const at = dayStart(d) + workMinute(rng.next() * 390) * MINUTE;
          const id = ratings.length + 1;
          const occurredAt = new Date(at);
          served.push({ windowId: win.windowId, occurredAt });
          const r: RatingFact = {
            id,
            givenAt: new Date(at + rng.int(10, 100) * 1000),
            level: 'very_satisfied',
            isDefault: false,
            channel: 'device',
            raterIdHash: rng.hash(),
            raterPhoneHash: rng.chance(0.85) ? rng.hash() : null,
            clientId: win.clientId,
            tokenId: tokenOf(id),
            occurredAt,
            windowId: win.windowId,
            staffId: win.staffId,
            agencyCode: win.agencyCode,
            businessLineCode: win.businessLineCode,
            regionLevel: win.regionLevel,
            caseAcceptedAt: new Date(at - rng.int(8, 50) * 1000),
            caseCompletedAt: occurredAt,
          };
          ratings.push(r);
          used.add(ratings.length - 1);
          truth.set(id, 'quick_cycles');
          rs.push(r);
        }
        record('quick_cycles', { type: 'window', key: String(win.windowId) }, win.windowId, rs);
      }
    },
    // One link submitted 6–20 times within 5–40 minutes: rated once, then refused (70%); or, after its deadline, every time refused (30%).
    link_token: (rng) => {
      for (let n = rng.int(24, 36); n > 0; n--) {
        const w = rng.int(0, W - 1);
        const i = rng.pick(unrated(rng.pick(workingDays), w));
        if (i === undefined) continue;
        const r = ratings[i]!;
        const tokenId = tokenOf(r.id);
        const sources = Array.from({ length: rng.int(1, 3) }, () => rng.hash());
        const stored = rng.chance(0.7);
        const start = stored ? r.occurredAt.getTime() + rng.between(10, 120) * MINUTE : r.givenAt.getTime() + rng.between(1, 120) * HOUR;
        const span = rng.between(5, 40) * MINUTE;
        const count = rng.int(6, 20);
        for (let k = 0; k < count; k++) {
          const at = new Date(k === 0 ? start : start + rng.next() * span);
          attempts.push({
            at,
            tokenId,
            clientId: null,
            sourceHash: rng.pick(sources),
            outcome: !stored ? 'token_expired' : k === 0 ? 'stored' : 'token_already_used',
          });
        }
        const rs = stored ? [fake(i, 'link_token', { givenAt: new Date(start), channel: 'sms' })] : (used.add(i), []);
        record('link_token', { type: 'source', key: String(r.id) }, windows[w]!.windowId, rs, { firstAt: new Date(start) });
      }
    },
    // One address submits through the links of 6–15 occasions at 1–3 windows of an agency, one every 1–6 minutes (a fifth also resubmitting some).
    link_source: (rng) => {
      for (let n = rng.int(24, 36); n > 0; n--) {
        const sourceHash = rng.hash();
        const agency = rng.pick(agencies);
        const d = rng.pick(workingDays);
        let at = dayStart(d) + rng.between(12, 18) * HOUR;
        const pool = rng.sample(
          rng.sample(agency, rng.int(1, 3)).flatMap((w) => unrated(d, w, at)),
          rng.int(6, 15),
        );
        const again = rng.chance(0.2);
        const rs = pool.map((i) => {
          at += rng.between(1, 6) * MINUTE;
          const f = fake(i, 'link_source', { givenAt: new Date(at), channel: rng.chance(0.5) ? 'sms' : 'web' });
          attempts.push({ at: f.givenAt, tokenId: f.tokenId, clientId: null, sourceHash, outcome: 'stored' });
          if (again && rng.chance(0.5))
            attempts.push({ at: new Date(at + rng.int(5, 60) * 1000), tokenId: f.tokenId, clientId: null, sourceHash, outcome: 'token_already_used' });
          return f;
        });
        record('link_source', { type: 'source', key: sourceHash.slice(0, 12) }, single(rs.map((r) => r.windowId)), rs);
      }
    },
  };
  for (const [k, kind] of INJECT_KIND_NAMES.entries()) if (kinds.includes(kind)) injectors[kind](randomTools(options.seed * 31 + k + 1));

  ratings.sort((a, b) => a.givenAt.getTime() - b.givenAt.getTime() || a.id - b.id);
  attempts.sort((a, b) => a.at.getTime() - b.at.getTime());
  served.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  verified.sort((a, b) => a.at.getTime() - b.at.getTime());
  return { ratings, attempts, staff, served, verified, windows, truth, injected };
}

const single = <T>(values: readonly T[]): T | null => (values.length && values.every((v) => v === values[0]) ? values[0]! : null);
