// Region repository (R1): the division tree and its subtree queries.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import type { DB, RegionTable } from './schema.ts';

export type Region = RegionTable;

const EXTRACT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'seed', 'guangxi-regions.tsv');

export interface RegionRow {
  code: string;
  level: number;
  parent: string | null;
  name: string;
}

/** Reads the committed extract (scripts/extract-regions.ts writes it). */
export function readRegionExtract(file = EXTRACT): RegionRow[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n').slice(1).filter(Boolean);
  return lines.map((line) => {
    const [code, level, parent, name] = line.split('\t') as [string, string, string, string];
    return { code, level: Number(level), parent: parent || null, name };
  });
}

/**
 * Loads regions, parents first, and gives each its path. Idempotent: a code
 * already present keeps its row, with a renamed region's new name taken
 * (division names do change; codes do not).
 * Returns how many rows were inserted or renamed.
 */
export async function upsertRegions(db: Kysely<DB>, rows: RegionRow[]): Promise<number> {
  const byCode = new Map(rows.map((r) => [r.code, r]));
  const pathOf = new Map<string, string>();
  const resolvePath = (code: string): string => {
    const known = pathOf.get(code);
    if (known) return known;
    const row = byCode.get(code);
    if (!row) throw new Error(`region ${code} is not in the extract`);
    const p = row.parent ? `${resolvePath(row.parent)}.${code}` : code;
    pathOf.set(code, p);
    return p;
  };
  const sorted = [...rows].sort((a, b) => a.level - b.level || a.code.localeCompare(b.code));
  let changed = 0;
  // One statement per level so every parent exists before its children.
  for (const level of [1, 2, 3, 4, 5]) {
    const batch = sorted.filter((r) => r.level === level);
    if (!batch.length) continue;
    const result = await sql`
      insert into region (code, name, level, parent_code, path)
      select * from unnest(
        ${batch.map((r) => r.code)}::text[],
        ${batch.map((r) => r.name)}::text[],
        ${batch.map((r) => r.level)}::smallint[],
        ${batch.map((r) => r.parent)}::text[],
        ${batch.map((r) => resolvePath(r.code))}::text[])
      on conflict (code) do update set name = excluded.name
        where region.name is distinct from excluded.name`.execute(db);
    changed += Number(result.numAffectedRows ?? 0n);
  }
  return changed;
}

export async function countRegions(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('region')
    .select(sql<number>`count(*)::int`.as('n'))
    .executeTakeFirstOrThrow();
  return row.n;
}

export async function findRegion(db: Kysely<DB>, code: string): Promise<Region | undefined> {
  return db.selectFrom('region').selectAll().where('code', '=', code).executeTakeFirst();
}

/** The region and every region above it, root first. */
export async function findRegionLineage(db: Kysely<DB>, code: string): Promise<Region[]> {
  const region = await findRegion(db, code);
  if (!region) return [];
  const codes = region.path.split('.');
  return db.selectFrom('region').selectAll().where('code', 'in', codes).orderBy('level').execute();
}

export interface RegionFilter {
  parent?: string;
  /** Everything below this region (not the region itself). */
  within?: string;
  level?: number;
  nameContains?: string;
}

export async function listRegions(db: Kysely<DB>, filter: RegionFilter, page: { offset: number; limit: number }): Promise<{ items: Region[]; total: number }> {
  let query = db.selectFrom('region');
  if (filter.parent) query = query.where('parent_code', '=', filter.parent);
  if (filter.within) {
    const root = await findRegion(db, filter.within);
    if (!root) return { items: [], total: 0 };
    query = query.where('path', 'like', `${root.path}.%`);
  }
  if (filter.level) query = query.where('level', '=', filter.level);
  if (filter.nameContains) query = query.where('name', 'like', `%${escapeLike(filter.nameContains)}%`);
  const [items, total] = await Promise.all([
    query.selectAll().orderBy('code').offset(page.offset).limit(page.limit).execute(),
    query.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: total.n };
}

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
