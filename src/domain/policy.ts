// The Guangxi numbers of the national scheme, in one versioned object
// (docs/rules.md: "Where a rule says configurable, the value given is the Guangxi
// default and lives in one versioned policy object").
export const POLICY = {
  version: 'guangxi-2019',
  /** All deadlines are reckoned in China Standard Time. */
  timeZone: 'Asia/Shanghai',
  utcOffsetHours: 8,
  /** R6: an occasion not rated within this many natural days gets a default rating. */
  defaultRatingAfterDays: 7,
  /** R6: the default rating's level. */
  defaultRatingLevel: 'very_satisfied',
  /** Business systems' clocks may run this far ahead: such an instant is still "now". */
  clockSkewMs: 5 * 60_000,
  /**
   * R13, R14: an entry with fewer counted ratings than this is listed in a
   * ranking but not ranked (the rules are silent; docs/decisions.md).
   */
  rankingMinCount: 10,
} as const;

export type Policy = typeof POLICY;
