// The catalogue API (R1-R3), one set of routes per kind, all generated from
// the field descriptions in src/domain/catalogue.ts:
//   GET    /api/v1/{kind}                list with filters and paging
//   GET    /api/v1/{kind}/export.xlsx    the same list as a spreadsheet (also .csv)
//   POST   /api/v1/{kind}                create
//   GET    /api/v1/{kind}/{key}          one
//   PATCH  /api/v1/{kind}/{key}          update (staff: a change of place is a transfer)
//   POST   /api/v1/{kind}/{key}/retire   retire (refused while active things depend on it)
//   POST   /api/v1/{kind}/{key}/reinstate
//   DELETE /api/v1/{kind}/{key}          always 405: nothing a rating may point to is deleted
// {key} is the natural key: a code, a staff number, or centerCode/number for windows.
import { Type, type TSchema } from 'typebox';
import type { AppInstance } from '../../server.ts';
import { ENTITIES, ENTITY_KINDS, keyFields, parseField, type EntityKind, type EntitySpec, type FieldSpec } from '../../../domain/catalogue.ts';
import { notFound } from '../../../domain/errors.ts';
import {
  createEntity,
  getEntity,
  listEntities,
  refuseHardDelete,
  setEntityStatus,
  getStaffHistory,
  transferStaff,
  updateEntity,
  type EntityKey,
} from '../../../app/catalogue.ts';
import { exportSheet } from '../../../app/exports.ts';
import { parseRegionCode } from '../../../app/regions.ts';
import type { CatalogueFilter } from '../../../storage/catalogue.ts';
import { callerOf } from '../../plugins/auth.ts';
import { ErrorBody, Nullable, Paged, PageQuery } from '../../schemas.ts';

function fieldSchema(field: FieldSpec): TSchema {
  const description = [field.zh, field.description].filter(Boolean).join(' — ');
  switch (field.type.kind) {
    case 'boolean':
      return Type.Boolean({ description });
    case 'integer':
      return Type.Integer({ minimum: field.type.min, maximum: field.type.max, description });
    case 'enum':
      // One enum keyword (not a union of literals) gives one clear validation message.
      return Type.String({ enum: Object.keys(field.type.values), description });
    case 'region':
      return Type.String({ description: `${description} (12-digit division code; 6-digit accepted)`, maxLength: 12 });
    case 'text':
      return Type.String({ description, maxLength: field.type.max });
    default:
      return Type.String({ description, maxLength: 64 });
  }
}

function schemasOf(spec: EntitySpec) {
  const create: Record<string, TSchema> = {};
  const patch: Record<string, TSchema> = {};
  const item: Record<string, TSchema> = spec.kind === 'windows' ? { id: Type.Integer() } : {};
  for (const field of spec.fields) {
    const schema = fieldSchema(field);
    create[field.name] = field.required ? schema : Type.Optional(Nullable(schema));
    if (!field.key) patch[field.name] = Type.Optional(field.required ? schema : Nullable(schema));
    if (!field.protected) item[field.name] = field.required ? schema : Nullable(schema);
  }
  if (spec.kind === 'staff') {
    item.idNumberMasked = Nullable(Type.String({ description: 'ID number, masked (4501**********1234)' }));
    item.phoneMasked = Nullable(Type.String({ description: 'Phone, masked (138****5678)' }));
  }
  Object.assign(item, {
    status: Type.Union([Type.Literal('active'), Type.Literal('retired')]),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    retiredAt: Nullable(Type.String({ format: 'date-time' })),
  });
  return {
    create: Type.Object(create, { additionalProperties: false }),
    patch: Type.Object(patch, { additionalProperties: false, minProperties: 1 }),
    item: Type.Object(item),
    listItem: Type.Object({
      ...item,
      names: Type.Record(Type.String(), Type.String(), {
        description: 'The names of the records this one names by code (regionCode → 兴宁区, agencyCode → …), for people reading a list',
      }),
    }),
  };
}

const REGION_FILTERS = {
  regionCode: Type.Optional(Type.String({ description: 'Only rows in this region and below (6- or 12-digit code)' })),
  regionScope: Type.Optional(Type.Union([Type.Literal('subtree'), Type.Literal('this')], { description: 'subtree (default) or this level only' })),
};

const FILTERS: Record<EntityKind, Record<string, TSchema>> = {
  'business-lines': {},
  agencies: { ...REGION_FILTERS, businessLineCode: Type.Optional(Type.String()), centralUnit: Type.Optional(Type.Boolean()) },
  centers: {
    ...REGION_FILTERS,
    parentCode: Type.Optional(Type.String({ description: 'Sub-centers of this center' })),
    centerKind: Type.Optional(Type.Union([Type.Literal('center'), Type.Literal('sub-center')])),
  },
  windows: { centerCode: Type.Optional(Type.String()), agencyCode: Type.Optional(Type.String()) },
  staff: { ...REGION_FILTERS, agencyCode: Type.Optional(Type.String()), centerCode: Type.Optional(Type.String()) },
  matters: {
    agencyCode: Type.Optional(Type.String()),
    businessLineCode: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String({ enum: ['immediate', 'promised'] })),
  },
};

const listQuery = (kind: EntityKind, paged: boolean) =>
  Type.Object(
    {
      status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('retired'), Type.Literal('all')], { default: 'active' })),
      q: Type.Optional(Type.String({ maxLength: 100, description: 'Part of a code or name' })),
      ...FILTERS[kind],
      ...(paged ? PageQuery : {}),
    },
    { additionalProperties: false },
  );

function toFilter(query: Record<string, unknown>): CatalogueFilter {
  const { page: _page, pageSize: _size, regionCode, ...rest } = query;
  const filter = rest as CatalogueFilter;
  if (typeof regionCode === 'string') filter.regionCode = parseRegionCode(regionCode, '/querystring/regionCode');
  for (const name of ['businessLineCode', 'agencyCode', 'centerCode', 'parentCode'] as const) {
    if (typeof filter[name] === 'string') filter[name] = filter[name]!.trim().toUpperCase();
  }
  return filter;
}

/** URL parameters → natural key, normalised as the fields are (codes upper-cased). */
function keyOf(spec: EntitySpec, params: Record<string, string>): EntityKey {
  const key: EntityKey = {};
  for (const field of keyFields(spec)) {
    const parsed = parseField(field.type.kind === 'ref' ? { ...field, type: { kind: 'text', max: 64, upper: true } } : field, params[field.name]);
    if (!parsed.ok) throw notFound(`${spec.singular}_not_found`, `No ${spec.zh} has the key ${Object.values(params).join('/')}`);
    key[field.name] = String(parsed.value);
  }
  return key;
}

const READ = { action: 'catalogue.read' } as const;
const WRITE = { action: 'catalogue.write', audited: true } as const;
const NEVER = { action: 'catalogue.write', notAudited: 'always refused: nothing is deleted' } as const;

export default async function catalogueRoutes(app: AppInstance) {
  const services = () => app.deps.services;

  for (const kind of ENTITY_KINDS) {
    const spec = ENTITIES[kind];
    const { create, patch, item, listItem } = schemasOf(spec);
    const tags = [kind];
    const keyPath = keyFields(spec)
      .map((f) => `:${f.name}`)
      .join('/');
    const params = Type.Object(Object.fromEntries(keyFields(spec).map((f) => [f.name, Type.String({ description: f.zh })])));
    const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };

    app.get(
      `/${kind}`,
      {
        config: { access: READ },
        schema: { tags, summary: `List ${spec.zh}`, querystring: listQuery(kind, true), response: { 200: Paged(listItem), 400: ErrorBody } },
      },
      async (request) => {
        const query = request.query as Record<string, unknown> & { page: number; pageSize: number };
        return listEntities(services(), callerOf(request), kind, toFilter(query), query);
      },
    );

    for (const format of ['xlsx', 'csv'] as const) {
      app.get(
        `/${kind}/export.${format}`,
        {
          config: { access: READ },
          schema: {
            tags,
            summary: `Export ${spec.zh} (${format}), same filters as the list`,
            querystring: listQuery(kind, false),
            produces: [format === 'xlsx' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv'],
          },
        },
        async (request, reply) => {
          const filter = toFilter(request.query as Record<string, unknown>);
          const name = encodeURIComponent(`${spec.zh}-${new Date().toISOString().slice(0, 10)}.${format}`);
          reply
            .header('content-type', format === 'xlsx' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename*=UTF-8''${name}`);
          return reply.send(exportSheet(services(), callerOf(request), kind, filter, format));
        },
      );
    }

    app.post(
      `/${kind}`,
      { config: { access: WRITE }, schema: { tags, summary: `Create ${spec.zh}`, body: create, response: { 201: item, ...errors } } },
      async (request, reply) => reply.status(201).send(await createEntity(services(), callerOf(request), kind, request.body as Record<string, unknown>)),
    );

    app.get(
      `/${kind}/${keyPath}`,
      { config: { access: READ }, schema: { tags, summary: `One ${spec.zh}`, params, response: { 200: item, 404: ErrorBody } } },
      async (request) => getEntity(services(), callerOf(request), kind, keyOf(spec, request.params as Record<string, string>)),
    );

    app.patch(
      `/${kind}/${keyPath}`,
      {
        config: { access: WRITE },
        schema: {
          tags,
          summary: kind === 'staff' ? `Update ${spec.zh} (a change of agency, center or window is a transfer effective now)` : `Update ${spec.zh}`,
          params,
          body: patch,
          response: { 200: item, ...errors },
        },
      },
      async (request) =>
        updateEntity(services(), callerOf(request), kind, keyOf(spec, request.params as Record<string, string>), request.body as Record<string, unknown>),
    );

    for (const [action, status] of [
      ['retire', 'retired'],
      ['reinstate', 'active'],
    ] as const) {
      app.post(
        `/${kind}/${keyPath}/${action}`,
        {
          config: { access: WRITE },
          schema: { tags, summary: `${action === 'retire' ? 'Retire' : 'Reinstate'} ${spec.zh}`, params, response: { 200: item, ...errors } },
        },
        async (request) => setEntityStatus(services(), callerOf(request), kind, keyOf(spec, request.params as Record<string, string>), status),
      );
    }

    app.delete(
      `/${kind}/${keyPath}`,
      { config: { access: NEVER }, schema: { tags, summary: 'Never allowed: retire instead', params, response: { 405: ErrorBody } } },
      async () => refuseHardDelete(kind),
    );
  }

  const Assignment = Type.Object({
    agencyCode: Type.String(),
    agencyName: Type.String(),
    centerCode: Nullable(Type.String()),
    windowNumber: Nullable(Type.String()),
    validFrom: Type.String({ format: 'date-time' }),
    validTo: Nullable(Type.String({ format: 'date-time' })),
    reason: Type.String(),
  });
  const History = Type.Object({ staffNumber: Type.String(), name: Type.String(), assignments: Type.Array(Assignment) });
  const StaffParams = Type.Object({ staffNumber: Type.String() });

  app.get(
    '/staff/:staffNumber/assignments',
    {
      config: { access: READ },
      schema: { tags: ['staff'], summary: 'R3: where the staff member sat, and when', params: StaffParams, response: { 200: History, 404: ErrorBody } },
    },
    async (request) => getStaffHistory(services(), callerOf(request), request.params.staffNumber),
  );

  app.post(
    '/staff/:staffNumber/transfer',
    {
      config: { access: WRITE },
      schema: {
        tags: ['staff'],
        summary: 'R3: transfer to another agency, center or window from an instant on (past ratings stay where they were)',
        params: StaffParams,
        body: Type.Object(
          {
            agencyCode: Type.String(),
            centerCode: Type.Optional(Nullable(Type.String())),
            windowNumber: Type.Optional(Nullable(Type.String())),
            effectiveAt: Type.Optional(
              Type.String({ format: 'date-time', description: 'Default: now. Not in the future, not before the current assignment began.' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: History, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => transferStaff(services(), callerOf(request), request.params.staffNumber, request.body),
  );
}
