// The embedded dialect must behave like a pool of server connections: a
// transaction's statements stay together, a rollback undoes only its own
// writes, and writes issued meanwhile by other "requests" are never lost.
// Runs on both engines, so the server is the reference behaviour.
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Generated, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/db.ts';

const database = useTestDatabase();
// A scratch table outside the platform's schema types.
const scratch = () => database().db as unknown as Kysely<{ probe: { id: Generated<number>; writer: string; n: number } }>;

beforeAll(async () => {
  await sql`create table probe (id serial primary key, writer text not null, n int not null)`.execute(database().db);
});

describe('database access under concurrency', () => {
  it('keeps every committed write when one of many concurrent transactions rolls back', async () => {
    const db = scratch();
    const transactions = Array.from({ length: 10 }, (_, t) =>
      db
        .transaction()
        .execute(async (trx) => {
          for (let n = 0; n < 5; n++) {
            await trx
              .insertInto('probe')
              .values({ writer: `tx${t}`, n })
              .execute();
            await sleep(Math.random() * 5); // let others in, if anything would let them
          }
          if (t === 3) throw new Error('rolled back on purpose');
        })
        .then(
          () => 'committed',
          (error: Error) => error.message,
        ),
    );
    const singles = Array.from({ length: 50 }, async (_, n) => {
      await sleep(Math.random() * 20);
      await db.insertInto('probe').values({ writer: 'single', n }).execute();
    });
    const outcomes = await Promise.all(transactions);
    await Promise.all(singles);

    expect(outcomes.filter((o) => o === 'committed')).toHaveLength(9);
    expect(outcomes[3]).toBe('rolled back on purpose');
    const counts = await db
      .selectFrom('probe')
      .select(['writer', sql<number>`count(*)::int`.as('rows')])
      .groupBy('writer')
      .orderBy('writer')
      .execute();
    const byWriter = Object.fromEntries(counts.map((c) => [c.writer, c.rows]));
    expect(byWriter.single).toBe(50);
    expect(byWriter.tx3).toBeUndefined();
    for (const t of [0, 1, 2, 4, 5, 6, 7, 8, 9]) expect(byWriter[`tx${t}`]).toBe(5);
  });

  it('does not let a statement from outside slip into an open transaction', async () => {
    const db = scratch();
    let outsideDone = false;
    await db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('probe').values({ writer: 'doomed', n: 1 }).execute();
        // Fired while the transaction is open; on a server it uses another
        // connection, on PGlite it must wait for the lock.
        void db
          .insertInto('probe')
          .values({ writer: 'outsider', n: 1 })
          .execute()
          .then(() => (outsideDone = true));
        await sleep(20);
        throw new Error('rollback');
      })
      .catch(() => {});
    while (!outsideDone) await sleep(5);
    const rows = await db.selectFrom('probe').select('writer').where('writer', 'in', ['doomed', 'outsider']).execute();
    expect(rows.map((r) => r.writer)).toEqual(['outsider']);
  });

  it('reports affected-row counts', async () => {
    const db = scratch();
    await db
      .insertInto('probe')
      .values([1, 2, 3].map((n) => ({ writer: 'count', n })))
      .execute();
    const updated = await db.updateTable('probe').set({ n: 0 }).where('writer', '=', 'count').executeTakeFirst();
    expect(updated.numUpdatedRows).toBe(3n);
    const deleted = await db.deleteFrom('probe').where('writer', '=', 'count').where('n', '=', 0).executeTakeFirst();
    expect(deleted.numDeletedRows).toBe(3n);
  });

  it('rolls back to a savepoint inside a transaction', async () => {
    const db = scratch();
    const trx = await db.startTransaction().execute();
    await trx.insertInto('probe').values({ writer: 'sp-kept', n: 1 }).execute();
    const sp = await trx.savepoint('inner').execute();
    await sp.insertInto('probe').values({ writer: 'sp-undone', n: 1 }).execute();
    await sp.rollbackToSavepoint('inner').execute();
    await trx.commit().execute();
    const rows = await db.selectFrom('probe').select('writer').where('writer', 'like', 'sp-%').execute();
    expect(rows.map((r) => r.writer)).toEqual(['sp-kept']);
  });

  it('fails a commit after an error inside the transaction, keeping nothing of it', async () => {
    const db = scratch();
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('probe').values({ writer: 'aborted', n: 1 }).execute();
        await sql`select 1/0`.execute(trx).catch(() => {}); // swallowed, but the transaction is aborted
        await trx.insertInto('probe').values({ writer: 'aborted', n: 2 }).execute();
      }),
    ).rejects.toThrow();
    const rows = await db.selectFrom('probe').select('writer').where('writer', '=', 'aborted').execute();
    expect(rows).toEqual([]);
    // …and the database is usable afterwards.
    await expect(sql`select 1 as one`.execute(db)).resolves.toMatchObject({ rows: [{ one: 1 }] });
  });

  it('returns the same value types from both engines', async () => {
    const { rows } = await sql<{ i8: number; num: number; d: string; ts: Date }>`
      select 9007199254740991::int8 as i8, 12.5::numeric as num, date '2026-03-01' as d,
             timestamptz '2026-03-01 00:00:00+08' as ts`.execute(database().db);
    expect(rows[0]).toEqual({ i8: 9007199254740991, num: 12.5, d: '2026-03-01', ts: new Date('2026-02-28T16:00:00Z') });
  });
});
