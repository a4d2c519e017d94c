// R1: Guangxi's real division codes at all five levels.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { seedRegions } from '../../src/app/seed.ts';
import { findRegionLineage, listRegions, readRegionExtract } from '../../src/storage/regions.ts';
import { useTestDatabase } from '../support/db.ts';

const database = useTestDatabase();

describe('R1 region tree', () => {
  it('has 1 region, 14 cities, 111 counties, 1,284 towns and 16,681 villages', async () => {
    const { rows } = await sql<{ level: number; n: number }>`
      select level, count(*)::int as n from region group by level order by level`.execute(database().db);
    expect(rows).toEqual([
      { level: 1, n: 1 },
      { level: 2, n: 14 },
      { level: 3, n: 111 },
      { level: 4, n: 1284 },
      { level: 5, n: 16681 },
    ]);
  });

  it('gives every region a parent one level up and a path ending in its own code', async () => {
    const { rows } = await sql<{ bad: number }>`
      select count(*)::int as bad from region r left join region p on p.code = r.parent_code
      where (r.level > 1 and (p.code is null or p.level <> r.level - 1 or r.path <> p.path || '.' || r.code))
         or (r.level = 1 and r.path <> r.code)`.execute(database().db);
    expect(rows[0]!.bad).toBe(0);
  });

  it('finds a subtree by its path prefix: Nanning holds its counties, towns and villages', async () => {
    const { db } = database();
    const nanning = await listRegions(db, { within: '450100000000' }, { offset: 0, limit: 1 });
    const byLevel = await sql<{ level: number; n: number }>`
      select level, count(*)::int as n from region where path like '450000000000.450100000000.%' group by level order by level`.execute(db);
    expect(nanning.total).toBe(byLevel.rows.reduce((sum, r) => sum + r.n, 0));
    expect(byLevel.rows.map((r) => r.level)).toEqual([3, 4, 5]);
    expect(byLevel.rows[0]!.n).toBe(12); // Nanning's 7 districts, 4 counties and Hengzhou city
  });

  it('lists a lineage root first', async () => {
    const lineage = await findRegionLineage(database().db, '450102001003');
    expect(lineage.map((r) => r.name)).toEqual(['广西壮族自治区', '南宁市', '兴宁区', '民生街道', '兴宁社区居委会']);
  });

  it('reloading the extract changes nothing; a renamed region is renamed', async () => {
    const { db } = database();
    expect((await seedRegions(db)).changed).toBe(0);
    await db.updateTable('region').set({ name: '旧名' }).where('code', '=', '450102000000').execute();
    expect(await seedRegions(db)).toEqual({ changed: 1, total: readRegionExtract().length });
    const row = await db.selectFrom('region').select('name').where('code', '=', '450102000000').executeTakeFirstOrThrow();
    expect(row.name).toBe('兴宁区');
  });
});
