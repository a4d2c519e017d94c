// Reference data every installation needs: the region tree of R1.
import type { Kysely } from 'kysely';
import type { DB } from '../storage/schema.ts';
import { countRegions, readRegionExtract, upsertRegions } from '../storage/regions.ts';

/** Loads (or refreshes) the regions; returns how many rows changed. */
export async function seedRegions(db: Kysely<DB>): Promise<{ changed: number; total: number }> {
  const changed = await db.transaction().execute((trx) => upsertRegions(trx, readRegionExtract()));
  return { changed, total: await countRegions(db) };
}

/** On first start the region table is empty: fill it. */
export async function seedRegionsIfEmpty(db: Kysely<DB>): Promise<{ changed: number; total: number } | null> {
  return (await countRegions(db)) === 0 ? seedRegions(db) : null;
}
