// Reading the region tree (R1).
import type { Kysely } from 'kysely';
import { invalid, notFound } from '../domain/errors.ts';
import { normalizeRegionCode, REGION_LEVELS } from '../domain/regions.ts';
import type { DB } from '../storage/schema.ts';
import * as regions from '../storage/regions.ts';
import { requireAccess } from '../domain/access.ts';
import type { Caller } from './context.ts';

export function parseRegionCode(input: string, field: string): string {
  const code = normalizeRegionCode(input);
  if (!code) {
    throw invalid('invalid_region_code', `${field} must be a 12-digit division code, or the 6-digit code of a region, city or county (got "${input}")`, [
      { field, message: 'is not a division code' },
    ]);
  }
  return code;
}

export async function requireRegion(db: Kysely<DB>, code: string): Promise<regions.Region> {
  const region = await regions.findRegion(db, code);
  if (!region) throw notFound('region_not_found', `No region has the code ${code}`);
  return region;
}

export interface ListRegionsInput {
  parent?: string;
  within?: string;
  level?: number;
  q?: string;
  page: number;
  pageSize: number;
}

export async function listRegions(db: Kysely<DB>, caller: Caller, input: ListRegionsInput) {
  requireAccess(caller.actor, 'regions.read');
  const parent = input.parent === undefined ? undefined : parseRegionCode(input.parent, '/querystring/parent');
  const within = input.within === undefined ? undefined : parseRegionCode(input.within, '/querystring/within');
  if (parent) await requireRegion(db, parent);
  if (within) await requireRegion(db, within);
  const { items, total } = await regions.listRegions(
    db,
    { parent, within, level: input.level, nameContains: input.q?.trim() || undefined },
    { offset: (input.page - 1) * input.pageSize, limit: input.pageSize },
  );
  return { items: items.map(present), total, page: input.page, pageSize: input.pageSize };
}

export async function getRegion(db: Kysely<DB>, caller: Caller, codeInput: string) {
  requireAccess(caller.actor, 'regions.read');
  const code = parseRegionCode(codeInput, '/params/code');
  const region = await requireRegion(db, code);
  const lineage = await regions.findRegionLineage(db, code);
  return { ...present(region), lineage: lineage.map(present) };
}

export function present(region: regions.Region) {
  return {
    code: region.code,
    name: region.name,
    level: region.level,
    levelName: REGION_LEVELS[region.level - 1]!.zh,
    parentCode: region.parent_code,
  };
}
