// The demo organisations: realistic Guangxi sizes, deterministic for a seed.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { seedDemoIfEmpty } from '../../src/app/demo.ts';
import { useTestDatabase } from '../support/db.ts';
import { testServices } from '../support/services.ts';

const database = useTestDatabase();
const one = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(database().db)).rows[0]!;

describe('demo organisations', () => {
  it('fill an empty catalogue at Guangxi sizes, once', async () => {
    const services = testServices(database());
    services.clock.set('2026-11-01T00:00:00Z');
    const summary = await seedDemoIfEmpty(services, { cases: 2000 });
    expect(summary).toMatchObject({ businessLines: 40, staff: 20_000, matters: 1000 });
    expect(summary!.agencies).toBeGreaterThanOrEqual(2000);
    expect(await seedDemoIfEmpty(services)).toBeNull();

    const levels = await sql<{ level: number; n: number }>`
      select r.level, count(*)::int as n from agency a join region r on r.code = a.region_code group by r.level order by r.level`.execute(database().db);
    expect(levels.rows.map((r) => r.level)).toEqual([1, 2, 3, 4, 5]);
    expect((await one(sql<{ n: number }>`select count(*)::int as n from agency where central_unit`)).n).toBeGreaterThan(100);
    expect((await one(sql<{ n: number }>`select count(*)::int as n from service_center where parent_code is not null`)).n).toBeGreaterThan(100);

    // Every staff member sits at a window of their own center, with one open assignment.
    expect(
      await one(sql<{ bad: number }>`
        select count(*)::int as bad from staff s
        left join service_window w on w.id = s.window_id
        left join staff_assignment a on a.staff_id = s.id and a.valid_to is null
        where w.center_code is distinct from s.center_code or a.id is null or a.agency_code <> s.agency_code`),
    ).toEqual({ bad: 0 });
    // Personal data is protected.
    expect(await one(sql<{ n: number }>`select count(*)::int as n from staff where id_number_cipher like 'v1:%' and phone_hash is not null`)).toEqual({
      n: 20_000,
    });

    const kinds = await one(sql<{ immediate: number }>`select avg((kind = 'immediate')::int)::float8 as immediate from matter`);
    expect(kinds.immediate).toBeGreaterThan(0.3);
    expect(kinds.immediate).toBeLessThan(0.5);
    // A year of cases and ratings: mostly very satisfied, defaults common, a few negatives.
    const activity = summary!.activity;
    expect(activity.cases).toBe(2000);
    expect(activity.occasions).toBeGreaterThan(2000);
    const mix = await one(sql<{ very: number; defaults: number; negatives: number; span: number; open_unrated: number }>`
      select avg((level = 'very_satisfied')::int)::float8 as very, avg(is_default::int)::float8 as defaults,
             avg((score <= 3)::int)::float8 as negatives,
             extract(day from max(given_at) - min(given_at))::int as span,
             (select count(*)::int from occasion o where o.closed_at is null and o.deadline <= ${services.now()}) as open_unrated
      from rating`);
    expect(mix.very).toBeGreaterThan(0.8);
    expect(mix.defaults).toBeGreaterThan(0.2);
    expect(mix.defaults).toBeLessThan(0.5);
    expect(mix.negatives).toBeGreaterThan(0);
    expect(mix.negatives).toBeLessThan(0.05);
    expect(mix.span).toBeGreaterThan(300);
    expect(mix.open_unrated).toBe(0); // every occasion past its deadline has its rating
    // Issue 13: the last 30 days' negative ratings are in the supervision loop, each once.
    const recent = await one(sql<{ n: number; items: number }>`
      select count(*)::int as n, (select count(distinct rating_id)::int from supervision_item) as items
      from rating where score <= 3 and given_at >= ${new Date(services.now().getTime() - 30 * 86_400_000)}`);
    expect(activity.supervised).toBe(recent.n);
    expect(recent.items).toBe(recent.n);
    // Issue 14 (R10): the injected patterns are found — 秒办秒评 at a 兴宁区 window, a staff member's own identity,
    // a device's burst in 青秀区 — and nothing else of the honest year is (each rater a person, not one shared hash).
    const found = await one(sql<{ kinds: string[]; findings: number }>`
      select array_agg(distinct kind order by kind) as kinds, (select count(*)::int from finding where workflow = 'investigation') as findings from fraud_signal`);
    expect(found).toEqual({ kinds: ['device_burst', 'quick_cases', 'staff_identity'], findings: 3 });
    expect(activity.investigations).toBe(3);
    // The same seed gives the same people.
    expect(await one(sql<{ name: string }>`select name from staff where staff_number = 'GX000001'`)).toEqual({ name: '赵文勇' });
  });
});
