// Schemas shared by many routes: the error body, paging, the rectification rate.
import { Type, type Static, type TSchema } from 'typebox';

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      id: Type.String({ description: 'Stable error id, e.g. validation_failed' }),
      message: Type.String(),
      fields: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    }),
  },
  { $id: 'ErrorBody' },
);

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** R12, R13: the rectification rate of an agency or region, in scores, rankings and the public API. */
export const Rectification = Nullable(
  Type.Object(
    {
      due: Type.Integer({
        description: 'Rectifications whose current deadline falls in the period and has passed, or that are done (cancelled ones are not due)',
      }),
      onTime: Type.Integer({ description: 'Of those, done before their deadline' }),
      rate: Nullable(Type.Number({ description: 'onTime ÷ due; null when nothing was due' })),
    },
    {
      description:
        'Rectification rate (整改率, R12, R13), as it stands now. Null for staff, business lines and centers, and with asOf (a past rate is not reproducible)',
    },
  ),
);

export const PageQuery = {
  page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1, description: 'Page number, from 1 (page × pageSize stays within 5,000,000)' }),
  pageSize: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
};
export type PageQuery = { page: number; pageSize: number };

export const pageWindow = (q: PageQuery) => ({ offset: (q.page - 1) * q.pageSize, limit: q.pageSize });

export const Paged = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ items: Type.Array(item), total: Type.Integer(), page: Type.Integer(), pageSize: Type.Integer() });

export type ErrorBody = Static<typeof ErrorBody>;
