// Planner statistics where nothing else keeps them (issue 15). Embedded PGlite
// has no autovacuum: without this, the statistics of the tables ratings grow
// stay those of the empty tables the migrations made, and a plan chosen for
// "an empty table" (read it whole) is kept however large it grows — measured
// on the rating intake before the sweep's migration 0013 dropped the foreign
// key whose check it was: 0.6–0.9 ms per new rating instead of microseconds.
// On a server autovacuum does the same; checking here too costs one
// catalogue read per fold.
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';

/**
 * Analyses the tables ratings grow, once the ratings stored exceed what the
 * planner last counted by autovacuum's own margin (50 rows + 10%). Returns
 * whether it did.
 */
export async function analyzeIfGrown(db: Kysely<DB>): Promise<boolean> {
  const { rows } = await sql<{ counted: number; stored: number }>`
    select greatest(c.reltuples, 0)::float8 as counted, coalesce((select max(id) from rating), 0)::float8 as stored
    from pg_class c where c.oid = 'rating'::regclass`.execute(db);
  const { counted, stored } = rows[0]!;
  if (stored < 50 + 1.1 * counted) return false;
  await sql`analyze rating, score_event, occasion, occasion_open`.execute(db);
  return true;
}
