// Schemas shared by many routes: the error body and paging.
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

export const PageQuery = {
  page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1, description: 'Page number, from 1 (page × pageSize stays within 5,000,000)' }),
  pageSize: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
};
export type PageQuery = { page: number; pageSize: number };

export const pageWindow = (q: PageQuery) => ({ offset: (q.page - 1) * q.pageSize, limit: q.pageSize });

export const Paged = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ items: Type.Array(item), total: Type.Integer(), page: Type.Integer(), pageSize: Type.Integer() });

export type ErrorBody = Static<typeof ErrorBody>;
