// R10 (issue 14): what the signals of faked good ratings (刷好评) read and
// what they find. The signals themselves (signals.ts) are pure functions of
// these facts and the policy's thresholds, so that the detection job
// (src/app/detection.ts, reading the database) and the simulation
// (bench/fraud.ts, reading a generated year) run the same code.
import type { Level } from '../ratings.ts';

export const SIGNAL_KINDS = {
  staff_identity: '评价人为工作人员本人',
  rater_burst: '同一评价人短时间内多处评价',
  device_burst: '评价器短时间内集中"非常满意"',
  device_off_hours: '评价器在非办件时段评价',
  quick_cases: '秒办秒评',
  link_repeat: '同一链接或来源反复提交',
  peer_share: '"非常满意"占比远高于同类',
  share_jump: '差评核实后"非常满意"占比突增',
} as const;
export type SignalKind = keyof typeof SIGNAL_KINDS;

/** One rating as the signals see it: keyed hashes only, never identity in clear (R9). */
export interface RatingFact {
  id: number;
  givenAt: Date;
  level: Level;
  isDefault: boolean;
  channel: string;
  /** Keyed hash of the rater's identity document (identityKey), as on the rating. */
  raterIdHash: string | null;
  /** Keyed hash of the rater's (applicant's) normalised mobile number, if any. */
  raterPhoneHash: string | null;
  /** The API client that submitted it (a window's device, or a channel), if any. */
  clientId: number | null;
  /** The rating link's token id (occasion:nonce), if rated through a link. */
  tokenId: string | null;
  occurredAt: Date;
  windowId: number | null;
  staffId: number | null;
  agencyCode: string | null;
  businessLineCode: string | null;
  /** The rated agency's region level (1 autonomous region … 5 village): the peer group with the business line. */
  regionLevel: number | null;
  /** The case behind the occasion: accepted and completed (null for packages or not yet completed). */
  caseAcceptedAt: Date | null;
  caseCompletedAt: Date | null;
}

/** One submission through a link or a client's key, stored or refused. */
export interface AttemptFact {
  at: Date;
  tokenId: string | null;
  clientId: number | null;
  /** Keyed hash of the source address. */
  sourceHash: string | null;
  outcome: string;
}

/** A staff member's identity as keyed hashes comparable with RatingFact's (identityKey of their resident ID; normalised mobile). */
export interface StaffIdentity {
  staffId: number;
  agencyCode: string;
  idHash: string | null;
  phoneHash: string | null;
}

/** When a negative rating against a window was verified (confirmed) or found: the "share jump" looks after it. */
export interface VerifiedNegative {
  ratingId: number;
  windowId: number;
  at: Date;
}

/** Occasions served at a window (their times), for the device's off-hours signal. */
export interface ServedFact {
  windowId: number;
  occurredAt: Date;
}

export type SubjectRef =
  | { type: 'window'; key: string }
  | { type: 'staff'; key: string }
  | { type: 'agency'; key: string }
  | { type: 'rater'; key: string }
  | { type: 'source'; key: string };

/** What a signal found: explained in plain words, with the evidence. */
export interface Signal {
  kind: SignalKind;
  /** Found again (a job run twice, two processes), it has the same key. */
  dedupKey: string;
  subject: SubjectRef;
  windowId: number | null;
  staffId: number | null;
  agencyCode: string | null;
  /** The ratings it flags (may be empty for link/source signals whose attempts were refused). */
  ratingIds: number[];
  firstAt: Date;
  lastAt: Date;
  /** How strongly it suggests faking, 0 < weight ≤ 1 (combined per rating as 1 − Π(1 − w)). */
  weight: number;
  /** One or two sentences in Chinese a supervisor reads. */
  explanation: string;
  /** The figures behind it: counts, times, device, a short prefix of a hash, p-values. */
  evidence: Record<string, unknown>;
}

/** The thresholds of the signals: versioned policy numbers (PolicyNumbers.detection, docs/policy.md). */
export interface DetectionThresholds {
  /** One rater identity or phone: at least `count` ratings over at least 2 windows or agencies within `hours`. */
  raterBurst: { count: number; hours: number };
  /** One window's device: at least `count` very-satisfied ratings within `minutes`. */
  deviceBurst: { count: number; minutes: number };
  /** One window's device: at least `count` very-satisfied ratings in a day given more than `marginMinutes` outside the hours cases were served there that day. */
  offHours: { count: number; marginMinutes: number };
  /** One window in a day: at least `count` cases accepted and completed within `caseSeconds` and rated very satisfied within `rateSeconds` of completion. */
  quickCases: { count: number; caseSeconds: number; rateSeconds: number };
  /** One link (token), or one source address over several links: at least `count` submissions within `hours`, stored or refused. */
  linkRepeat: { count: number; hours: number };
  /** A window's active very-satisfied share above its peers' (same line, region level, period; the mean of the peer windows' shares): binomial p < alpha, with at least minRatings active ratings and a lift of at least minLift. */
  peerShare: { alpha: number; minRatings: number; minLift: number };
  /** The very-satisfied share in the `days` after a verified negative rating against it, above the `days` before: binomial p < alpha, at least minRatings after. */
  shareJump: { alpha: number; days: number; minRatings: number };
}

export const DEFAULT_DETECTION: DetectionThresholds = {
  raterBurst: { count: 5, hours: 24 },
  deviceBurst: { count: 6, minutes: 10 },
  offHours: { count: 3, marginMinutes: 60 },
  quickCases: { count: 5, caseSeconds: 60, rateSeconds: 120 },
  linkRepeat: { count: 5, hours: 1 },
  peerShare: { alpha: 1e-4, minRatings: 30, minLift: 0.02 },
  shareJump: { alpha: 1e-4, days: 30, minRatings: 20 },
};

/** Each signal's weight in a rating's suspicion score. */
export const SIGNAL_WEIGHTS: Record<SignalKind, number> = {
  staff_identity: 0.9,
  rater_burst: 0.6,
  device_burst: 0.6,
  device_off_hours: 0.6,
  quick_cases: 0.7,
  link_repeat: 0.5,
  peer_share: 0.4,
  share_jump: 0.4,
};

/** A rating's suspicion: 1 − Π(1 − w) over the signals flagging it (0 when none). */
export const suspicionOf = (weights: readonly number[]) => 1 - weights.reduce((p, w) => p * (1 - w), 1);
