// R1: the region tree, read-only (the codes are official; see
// scripts/extract-regions.ts for where they come from).
import { Type } from 'typebox';
import type { AppInstance } from '../../server.ts';
import { getRegion, listRegions } from '../../../app/regions.ts';
import { ErrorBody, Paged, PageQuery } from '../../schemas.ts';
import { callerOf } from '../../plugins/auth.ts';

const CodeParam = Type.String({
  description: '12-digit division code, or the 6-digit code of a region/city/county (450000, 450100, 450102)',
  examples: ['450100'],
});

const Region = Type.Object({
  code: Type.String({ examples: ['450100000000'] }),
  name: Type.String({ examples: ['南宁市'] }),
  level: Type.Integer({ minimum: 1, maximum: 5, description: '1 region, 2 city, 3 county, 4 town/street, 5 village/community' }),
  levelName: Type.String(),
  parentCode: Type.Union([Type.String(), Type.Null()]),
});

const ListQuery = Type.Object(
  {
    parent: Type.Optional({ ...CodeParam, description: 'Only the direct children of this region' }),
    within: Type.Optional({ ...CodeParam, description: 'Everything below this region, at any depth' }),
    level: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    q: Type.Optional(Type.String({ maxLength: 50, description: 'Part of the name' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export default async function regionRoutes(app: AppInstance) {
  app.get(
    '/regions',
    {
      config: { access: { action: 'regions.read' } },
      schema: {
        tags: ['regions'],
        summary: 'List regions (children of a region, a subtree, a level)',
        querystring: ListQuery,
        response: { 200: Paged(Region), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => listRegions(app.deps.database.db, callerOf(request), request.query),
  );

  app.get(
    '/regions/:code',
    {
      config: { access: { action: 'regions.read' } },
      schema: {
        tags: ['regions'],
        summary: 'One region with its lineage up to the autonomous region',
        params: Type.Object({ code: CodeParam }),
        response: { 200: Type.Object({ ...Region.properties, lineage: Type.Array(Region) }), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => getRegion(app.deps.database.db, callerOf(request), request.params.code),
  );
}
