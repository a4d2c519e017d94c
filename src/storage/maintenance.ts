// Planner statistics where nothing else keeps them (issue 15). Embedded PGlite
// has no autovacuum: without this, the rating table's statistics stay those
// of the empty table the migrations made, and every foreign-key check of a
// new score event reads the whole table (its plan is a sequential scan: "the
// table is empty"). On a server autovacuum does the same; running it here too
// costs one catalogue read per fold.
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
