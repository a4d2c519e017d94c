// R3, R13, R14: scores and rankings.
//   GET /api/v1/scores/{dimension}/{key}            one score, any period, as of an instant
//   GET /api/v1/scores/{dimension}/{key}/ratings    the ratings behind it (rater masked)
//   GET /api/v1/rankings/{dimension}                a ranking, filtered and ordered
//   GET /api/v1/rankings/{dimension}/export.xlsx    the whole ranking as a spreadsheet (also .csv)
import { Type } from 'typebox';
import type { AppInstance } from '../../server.ts';
import { exportRanking, getRanking, getScore, negativeTagsOfScore, ratingsBehindScore } from '../../../app/scores.ts';
import { DIMENSION_NAMES, ORDERS } from '../../../domain/scores.ts';
import { LEVEL_NAMES } from '../../../domain/ratings.ts';
import { POLICY } from '../../../domain/policy.ts';
import { ErrorBody, Nullable, Paged, PageQuery, Rectification } from '../../schemas.ts';
import { callerOf } from '../../plugins/auth.ts';

const Dimension = Type.Enum([...DIMENSION_NAMES], {
  description: 'staff (key: staff number), agencies (credit code), business-lines, regions (division code), centers',
});

const PeriodQuery = {
  period: Type.Optional(Type.String({ description: 'A year (2026), a quarter (2026-Q3) or a month (2026-11); or give from and to', examples: ['2026-11'] })),
  from: Type.Optional(Type.String({ description: 'First China-time day, YYYY-MM-DD (with to)' })),
  to: Type.Optional(Type.String({ description: 'Last China-time day, inclusive' })),
  asOf: Type.Optional(
    Type.String({ description: 'ISO instant: the figures as they stood then (later voids and revocations left out), to reproduce what was published' }),
  ),
};
const Scope = Type.Optional(
  Type.Union([Type.Literal('subtree'), Type.Literal('level')], { description: 'Regions: the whole subtree (default) or this level only (R3)' }),
);

const Interval = Nullable(Type.Object({ low: Type.Number(), high: Type.Number() }, { description: '95% confidence interval of the mean (Wilson, on 0-10)' }));
const ScoreFigures = {
  count: Type.Integer({ description: 'Counted ratings (voided and revoked ones are not counted)' }),
  scoreSum: Type.Integer(),
  mean: Nullable(Type.Number({ description: 'Mean over the ratings (never a mean of means, R3)' })),
  interval: Interval,
  levels: Type.Object(Object.fromEntries(LEVEL_NAMES.map((l) => [l, Type.Integer()]))),
  negative: Type.Integer({ description: 'Dissatisfied and very dissatisfied' }),
  negativeShare: Nullable(Type.Number()),
  defaults: Type.Integer({ description: 'Default ratings (R6), counted like any other' }),
  active: Type.Object({
    count: Type.Integer({ description: 'Ratings given by raters (not defaults)' }),
    rate: Nullable(Type.Number()),
    scoreSum: Type.Integer(),
    mean: Nullable(Type.Number()),
    interval: Interval,
  }),
  rectification: Rectification,
  marks: Type.Object(
    {
      violations: Type.Integer({ description: 'R10: violations (confirmed faked good ratings) recorded against it in the period' }),
      keyTargets: Type.Array(Type.Integer(), { description: 'R11: its key-target findings of months in the period (ids)' }),
      replacements: Type.Array(Type.Integer(), { description: 'R11: staff only: replacement flags whose months overlap the period (ids)' }),
    },
    { description: 'Issue 14: what the platform found about it (supervisory information; not on the public page)' },
  ),
};

const Score = Type.Object({
  dimension: Dimension,
  key: Type.String(),
  name: Type.String(),
  scope: Nullable(Type.String()),
  from: Type.String(),
  to: Type.String(),
  asOf: Nullable(Type.String()),
  ...ScoreFigures,
});

const Entry = Type.Object({
  rank: Nullable(Type.Integer({ description: 'Competition rank (1, 2, 2, 4); null when below the minimum count' })),
  key: Type.String(),
  name: Type.String(),
  region: Nullable(Type.Object({ code: Type.String(), name: Type.String() })),
  parent: Nullable(Type.String({ description: "A staff member's agency, a region's parent, a sub-center's center" })),
  ...ScoreFigures,
});

const RankingQuery = Type.Object(
  {
    ...PeriodQuery,
    scope: Scope,
    within: Type.Optional(Type.String({ description: 'Only entries in this region subtree (for business lines: their ratings there)' })),
    level: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 5, description: 'Only entries whose region is at this level (regions: default the level below within, or cities)' }),
    ),
    line: Type.Optional(Type.String({ description: 'Staff and agencies: only this business line' })),
    central: Type.Optional(Type.Boolean({ description: 'Staff and agencies: only central units stationed in Guangxi (true) or only others (false), R1' })),
    order: Type.Optional(
      Type.Enum([...ORDERS], {
        description: 'mean (default), lower_bound of the 95% interval, active_mean, active_lower_bound, negative_share (fewest first)',
      }),
    ),
    minCount: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1_000_000, description: `Entries with fewer ratings are listed but not ranked (default ${POLICY.rankingMinCount})` }),
    ),
  },
  { additionalProperties: false },
);

const Ranking = Type.Object({
  dimension: Dimension,
  from: Type.String(),
  to: Type.String(),
  asOf: Nullable(Type.String()),
  scope: Nullable(Type.String()),
  within: Nullable(Type.Object({ code: Type.String(), name: Type.String() })),
  level: Nullable(Type.Integer()),
  line: Nullable(Type.String()),
  central: Nullable(Type.Boolean()),
  order: Type.String(),
  minCount: Type.Integer(),
  total: Type.Integer({ description: 'Entries listed' }),
  ranked: Type.Integer({ description: 'Entries ranked (at least minCount ratings)' }),
  page: Type.Integer(),
  pageSize: Type.Integer(),
  items: Type.Array(Entry),
});

const RatingBehind = Type.Object({
  id: Type.Integer(),
  givenAt: Type.String(),
  scoreDay: Type.String({ description: 'The China day it counts on (R6)' }),
  level: Type.String(),
  score: Type.Integer(),
  isDefault: Type.Boolean(),
  channel: Type.String(),
  tags: Type.Array(Type.String()),
  comment: Nullable(Type.String()),
  occasion: Type.Object({ kind: Type.String(), occurredAt: Type.String() }),
  caseNumber: Nullable(Type.String()),
  packageNumber: Nullable(Type.String()),
  matterCode: Nullable(Type.String()),
  staff: Nullable(Type.Object({ number: Type.String(), name: Type.String() })),
  agency: Nullable(Type.Object({ code: Type.String(), name: Type.String() })),
  rater: Nullable(Type.String({ description: 'Masked (R9), e.g. 张*; null for a default rating' })),
});

const ScoreParams = Type.Object({ dimension: Dimension, key: Type.String() });
const ScoreQuery = Type.Object({ ...PeriodQuery, scope: Scope }, { additionalProperties: false });

const READ = { action: 'scores.read' } as const;

export default async function scoreRoutes(app: AppInstance) {
  const services = () => app.deps.services;

  app.get(
    '/scores/:dimension/:key',
    {
      config: { access: READ },
      schema: {
        tags: ['scores'],
        summary: 'One score of a staff member, agency, business line, region or center (R3)',
        params: ScoreParams,
        querystring: ScoreQuery,
        response: { 200: Score, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => getScore(services(), callerOf(request), { ...request.query, ...request.params }),
  );

  app.get(
    '/scores/:dimension/:key/ratings',
    {
      config: { access: READ },
      schema: {
        tags: ['scores'],
        summary: 'The ratings behind a score, newest first (rater masked)',
        params: ScoreParams,
        querystring: Type.Object({ ...PeriodQuery, scope: Scope, ...PageQuery }, { additionalProperties: false }),
        response: { 200: Paged(RatingBehind), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { page, pageSize, ...query } = request.query;
      return ratingsBehindScore(services(), callerOf(request), { ...query, ...request.params }, { page, pageSize });
    },
  );

  app.get(
    '/scores/:dimension/:key/negative-tags',
    {
      config: { access: READ },
      schema: {
        tags: ['scores'],
        summary: 'The most frequent tags of the negative ratings behind a score, and the matters behind each',
        params: ScoreParams,
        querystring: ScoreQuery,
        response: {
          200: Type.Object({
            negative: Type.Integer({ description: 'Negative ratings the score counts' }),
            tags: Type.Array(
              Type.Object({
                tag: Type.String(),
                count: Type.Integer({ description: 'Negative ratings with this tag' }),
                matters: Type.Array(Type.Object({ code: Nullable(Type.String()), name: Nullable(Type.String()), count: Type.Integer() })),
              }),
            ),
          }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request) => negativeTagsOfScore(services(), callerOf(request), { ...request.query, ...request.params }),
  );

  app.get(
    '/rankings/:dimension',
    {
      config: { access: READ },
      schema: {
        tags: ['rankings'],
        summary: 'A ranking of staff, agencies, business lines, regions or centers (R13, R14)',
        params: Type.Object({ dimension: Dimension }),
        querystring: Type.Object({ ...RankingQuery.properties, ...PageQuery }, { additionalProperties: false }),
        response: { 200: Ranking, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { page, pageSize, ...query } = request.query;
      return getRanking(services(), callerOf(request), { ...query, dimension: request.params.dimension }, { page, pageSize });
    },
  );

  for (const format of ['xlsx', 'csv'] as const) {
    const contentType = format === 'xlsx' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv; charset=utf-8';
    app.get(
      `/rankings/:dimension/export.${format}`,
      {
        config: { access: READ },
        schema: {
          tags: ['rankings'],
          summary: `A whole ranking as ${format}, same query as the ranking`,
          params: Type.Object({ dimension: Dimension }),
          querystring: RankingQuery,
          produces: [contentType.split(';')[0]!],
        },
      },
      async (request, reply) => {
        const { stream, filename } = await exportRanking(services(), callerOf(request), { ...request.query, dimension: request.params.dimension }, format);
        reply.header('content-type', contentType).header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`);
        return reply.send(stream);
      },
    );
  }
}
