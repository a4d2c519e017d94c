// Bad input never breaks the service: a few thousand requests generated from
// the OpenAPI document (test/support/fuzz.ts) — no 5xx, the one error shape,
// small errors, and nothing changed. `npm run fuzz -- --requests N` runs more.
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { fuzz } from '../support/fuzz.ts';
import { buildWorld } from '../support/world.ts';

const { raw, services, database, adminToken } = useTestApp();

/** A fingerprint of everything a person or a client could change (not the logs of the attempts). */
async function state(): Promise<Record<string, string>> {
  const tables = [
    'business_line',
    'agency',
    'service_center',
    'service_window',
    'staff',
    'staff_assignment',
    'matter',
    'service_case',
    'service_package',
    'occasion',
    'rating',
    'api_client',
    'app_user',
    'setting',
  ];
  const out: Record<string, string> = {};
  for (const table of tables) {
    const { rows } = await sql<{
      digest: string;
    }>`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from ${sql.table(table)} t`.execute(database().db);
    out[table] = rows[0]!.digest;
  }
  return out;
}

beforeAll(async () => {
  await buildWorld(services(), 'F');
});

describe('fuzzing every operation with bad input', () => {
  it.each([
    ['as an admin', true, 2500],
    ['as nobody', false, 800],
  ])('%s: no 5xx, the error shape, small errors, nothing changed', async (_, signedIn, limit) => {
    const before = await state();
    const outcome = await fuzz(raw(), { token: signedIn ? adminToken() : undefined, limit });
    expect(outcome.requests).toBe(limit);
    expect(outcome.serverErrors).toEqual([]);
    expect(outcome.outsideShape).toEqual([]);
    expect(outcome.tooLarge).toEqual([]);
    expect(outcome.accepted).toEqual([]);
    expect(outcome.dropped).toEqual([]);
    const after = await state();
    expect(Object.keys(after).filter((t) => after[t] !== before[t])).toEqual([]);
  });
});
