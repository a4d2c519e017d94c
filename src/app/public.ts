// R13: what is published — scores and rankings of regions, agencies and
// business lines for standard periods (a year, a quarter, a month), with the
// counts of negative ratings and, for agencies and regions, the rectification
// rate (R12; null for lines and staff). Staff-level figures only while the
// setting publish_staff_scores is on (off by default). Never a rater, a
// comment, or anything else behind a rating. No sign-in; answers are cached
// briefly.
import { AppError } from '../domain/errors.ts';
import type { RectificationRate } from '../domain/rectificationRate.ts';
import type { Dimension, RankingOrder } from '../domain/scores.ts';
import { settings } from '../storage/users.ts';
import { systemCaller, type Services } from './context.ts';
import { getRanking, getScore } from './scores.ts';

export const PUBLIC_DIMENSIONS = ['regions', 'agencies', 'business-lines', 'staff'] as const;
export type PublicDimension = (typeof PUBLIC_DIMENSIONS)[number];
const PUBLIC = systemCaller('public');

async function requirePublished(services: Services, dimension: PublicDimension): Promise<Dimension> {
  if (dimension === 'staff' && (await settings(services.db)).publish_staff_scores !== true) {
    throw new AppError('not_published', 'not_found', 'Staff-level figures are not published (R13: a setting, off by default)');
  }
  return dimension;
}

/** What the public sees of a score: the figures, nothing behind them. */
const publicFigures = (s: {
  count: number;
  mean: number | null;
  negative: number;
  negativeShare: number | null;
  defaults: number;
  interval: { low: number; high: number } | null;
  rectification: RectificationRate | null;
}) => ({
  count: s.count,
  mean: s.mean,
  interval: s.interval,
  negative: s.negative,
  negativeShare: s.negativeShare,
  defaults: s.defaults,
  rectification: s.rectification,
});

export async function publicRanking(
  services: Services,
  dimension: PublicDimension,
  query: { period: string; within?: string; level?: number; order?: RankingOrder },
  page: { page: number; pageSize: number },
) {
  const d = await requirePublished(services, dimension);
  const ranking = await getRanking(
    services,
    PUBLIC,
    { dimension: d, period: query.period, within: query.within, level: query.level, order: query.order },
    page,
  );
  return {
    dimension,
    period: query.period,
    from: ranking.from,
    to: ranking.to,
    within: ranking.within,
    level: ranking.level,
    order: ranking.order,
    minCount: ranking.minCount,
    total: ranking.total,
    ranked: ranking.ranked,
    page: ranking.page,
    pageSize: ranking.pageSize,
    items: ranking.items.map((e) => ({ rank: e.rank, key: e.key, name: e.name, region: e.region, ...publicFigures(e) })),
  };
}

export async function publicScore(services: Services, dimension: PublicDimension, key: string, query: { period: string; scope?: 'subtree' | 'level' }) {
  const d = await requirePublished(services, dimension);
  const score = await getScore(services, PUBLIC, { dimension: d, key, period: query.period, scope: query.scope });
  return { dimension, key: score.key, name: score.name, scope: score.scope, period: query.period, from: score.from, to: score.to, ...publicFigures(score) };
}

/** A small time-limited cache of public answers, keyed by the request URL. */
export class PublicCache {
  private readonly entries = new Map<string, { at: number; value: unknown }>();
  constructor(
    readonly ttlMs = 60_000,
    readonly maxEntries = 2000,
  ) {}
  async get<T>(key: string, now: number, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value as T;
    const value = await load();
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { at: now, value });
    return value;
  }
}
