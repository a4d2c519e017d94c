// R13: the open API — no sign-in, cached, rate-limited.
//   GET /api/v1/public/rankings/{regions|agencies|business-lines|staff}?period=2026-Q3
//   GET /api/v1/public/scores/{dimension}/{key}?period=2026
import { Type } from 'typebox';
import type { AppInstance } from '../../server.ts';
import { PUBLIC_DIMENSIONS, PublicCache, publicRanking, publicScore } from '../../../app/public.ts';
import { ORDERS } from '../../../domain/scores.ts';
import { ErrorBody, Nullable, PageQuery, Rectification } from '../../schemas.ts';

const PUBLIC = { public: true, why: 'R13: published scores and rankings' } as const;
const Dimension = Type.String({
  enum: [...PUBLIC_DIMENSIONS],
  description: 'regions, agencies, business-lines; staff only while publication of staff figures is on',
});
const Period = Type.String({ pattern: '^\\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$', description: 'A year (2026), a quarter (2026-Q3) or a month (2026-11)' });
const Figures = {
  count: Type.Integer(),
  mean: Nullable(Type.Number()),
  interval: Nullable(Type.Object({ low: Type.Number(), high: Type.Number() })),
  negative: Type.Integer({ description: 'Dissatisfied and very dissatisfied ratings' }),
  negativeShare: Nullable(Type.Number()),
  defaults: Type.Integer({ description: 'Default ratings (R6)' }),
  rectification: Rectification,
};
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody };

export default async function publicRoutes(app: AppInstance) {
  const services = () => app.deps.services;
  const cache = new PublicCache();

  app.get(
    '/public/rankings/:dimension',
    {
      config: { access: PUBLIC },
      schema: {
        tags: ['public'],
        summary: 'R13: a published ranking',
        params: Type.Object({ dimension: Dimension }),
        querystring: Type.Object(
          {
            period: Period,
            within: Type.Optional(Type.String({ maxLength: 12 })),
            level: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
            order: Type.Optional(Type.String({ enum: [...ORDERS] })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            dimension: Type.String(),
            period: Type.String(),
            from: Type.String(),
            to: Type.String(),
            within: Nullable(Type.Object({ code: Type.String(), name: Type.String() })),
            level: Nullable(Type.Integer()),
            order: Type.String(),
            minCount: Type.Integer(),
            total: Type.Integer(),
            ranked: Type.Integer(),
            page: Type.Integer(),
            pageSize: Type.Integer(),
            items: Type.Array(
              Type.Object({
                rank: Nullable(Type.Integer()),
                key: Type.String(),
                name: Type.String(),
                region: Nullable(Type.Object({ code: Type.String(), name: Type.String() })),
                ...Figures,
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'public, max-age=60');
      const { page, pageSize, order, ...query } = request.query;
      return cache.get(request.url, services().now().getTime(), () =>
        publicRanking(
          services(),
          request.params.dimension as (typeof PUBLIC_DIMENSIONS)[number],
          { ...query, order: order as (typeof ORDERS)[number] | undefined },
          { page, pageSize },
        ),
      );
    },
  );

  app.get(
    '/public/scores/:dimension/:key',
    {
      config: { access: PUBLIC },
      schema: {
        tags: ['public'],
        summary: 'R13: a published score',
        params: Type.Object({ dimension: Dimension, key: Type.String({ maxLength: 40 }) }),
        querystring: Type.Object({ period: Period, scope: Type.Optional(Type.String({ enum: ['subtree', 'level'] })) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            dimension: Type.String(),
            key: Type.String(),
            name: Type.String(),
            scope: Nullable(Type.String()),
            period: Type.String(),
            from: Type.String(),
            to: Type.String(),
            ...Figures,
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'public, max-age=60');
      return cache.get(request.url, services().now().getTime(), () =>
        publicScore(
          services(),
          request.params.dimension as (typeof PUBLIC_DIMENSIONS)[number],
          request.params.key,
          request.query as { period: string; scope?: 'subtree' | 'level' },
        ),
      );
    },
  );
}
