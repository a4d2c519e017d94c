// R13, R14 (issue 15): rankings from a cache of ranked totals, so that a
// ranking of 20,000 staff is not summed and sorted again on every request.
//
// An entry is one ranking's whole ordered list (every entry's sums, tie
// group and competition rank), without entity filters and names, which
// every request reads afresh (storage/rankedTotals.ts): so a staff transfer
// or a renamed agency shows at once, and every agency's staff ranking
// shares one entry. An entry is kept under its query (dimension, days,
// as-of instant, order, minimum count, a line ranking's region) with the
// watermark it was read at: the newest score event id, read from the
// database on every request. A new rating, default, void or revocation
// moves it, in this process or any other; then one query checks whether any
// of the newer events counts in the entry's days (as of an instant: was
// recorded at or before it) — if none does, the entry is still exact. A fold
// changes no figure and invalidates nothing. Because the watermark comes from
// the database, this is exact across processes (rankingWatermark explains
// why, including transactions that commit out of id order). Memory is
// bounded (RANKING_CACHE_MB, least recently used out first) and identical
// misses are read once.
import type { Kysely } from 'kysely';
import { rankingCacheMb } from '../config.ts';
import type { DB } from '../storage/schema.ts';
import {
  RANKED_SUMS,
  rankingEntities,
  rankingMembers,
  rankingWatermark,
  readRankedTotals,
  type RankedTotals,
  type RankedTotalsQuery,
} from '../storage/rankedTotals.ts';
import type { RankingQuery, RankingRow } from '../storage/scores.ts';

const SUMS = RANKED_SUMS;

/** A ranking's entries in ranking order, in typed arrays (about 50 bytes an entry besides its key). */
export interface RankedList {
  keys: string[];
  /** SUMS.length integers per entry. */
  sums: Int32Array;
  /** Entries with equal ranking values share a tie group (ranked entries only). */
  ties: Int32Array;
  /** The first `eligible` entries are ranked. */
  eligible: number;
  /** Competition ranks (1, 2, 2, 4) of the unfiltered list; 0 for the unranked. */
  ranks: Int32Array;
  /** The watermark it is exact for (moved up while newer events change nothing). */
  lastEvent: string;
  bytes: number;
}

/** Reads rankedTotalsSql()'s lines into typed arrays. */
function rankedList({ eligible, list: text }: RankedTotals, lastEvent: string): RankedList {
  const lines = text ? text.split('\n') : [];
  const n = lines.length;
  const list: RankedList = {
    keys: new Array<string>(n),
    sums: new Int32Array(n * SUMS.length),
    ties: new Int32Array(n),
    eligible,
    ranks: new Int32Array(n),
    lastEvent,
    bytes: 0,
  };
  let bytes = 200 + n * (SUMS.length * 4 + 4 + 4 + 8);
  lines.forEach((line, i) => {
    const fields = line.split(',');
    list.keys[i] = fields[0]!;
    bytes += 40 + 2 * fields[0]!.length;
    for (let j = 0; j < SUMS.length; j++) list.sums[i * SUMS.length + j] = Number(fields[j + 1]);
    list.ties[i] = Number(fields[SUMS.length + 1]);
  });
  list.ranks = competitionRanks(list, null).ranks;
  list.bytes = bytes;
  return list;
}

/** The entries a filter keeps (indexes into the list, in order) with their ranks among them: R14's competition ranking. */
function competitionRanks(list: RankedList, members: Set<string> | null): { index: Int32Array | null; ranks: Int32Array; total: number; ranked: number } {
  const index = members ? Int32Array.from(list.keys.flatMap((k, i) => (members.has(k) ? [i] : []))) : null;
  const total = index ? index.length : list.keys.length;
  const ranks = new Int32Array(total);
  let ranked = 0;
  for (let j = 0; j < total; j++) {
    const i = index ? index[j]! : j;
    if (i >= list.eligible) break;
    const prev = j > 0 ? (index ? index[j - 1]! : j - 1) : -1;
    // Equal values share a rank; the next rank skips as many as shared it.
    ranks[j] = prev >= 0 && list.ties[prev] === list.ties[i] ? ranks[j - 1]! : j + 1;
    ranked++;
  }
  return { index, ranks, total, ranked };
}

/** A ranking's entries as a filter sees them: how many, how many ranked, and pages of rows. */
export interface RankingView {
  total: number;
  ranked: number;
  /** Rows offset .. offset + limit, with names; rows like rankingPage()'s. */
  page(offset: number, limit: number): Promise<RankingRow[]>;
  /** The keys (as in score_total) of those rows. */
  keys(offset: number, limit: number): string[];
}

class RankingCache {
  private readonly entries = new Map<string, RankedList>(); // in order of use, least recent first
  private readonly flights = new Map<string, Promise<RankedList>>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  constructor(readonly maxBytes: number) {}

  /** The ranked list of `q`, from the cache when it is still exact, else read (once for simultaneous requests). */
  async list(db: Kysely<DB>, q: RankedTotalsQuery): Promise<RankedList> {
    const key = cacheKey(q);
    const cached = this.entries.get(key);
    const since = cached && { lastEvent: cached.lastEvent, range: q.range, asOf: q.asOf ?? null };
    const watermark = await rankingWatermark(db, since);
    // (Another request may have replaced or checked the entry meanwhile.)
    const current = this.entries.get(key);
    if (current && current.lastEvent === watermark.lastEvent) return this.touch(key, current);
    // Events of other days (or, as of an instant, recorded after it) change nothing: the entry is still exact.
    if (
      current &&
      current === cached &&
      since!.lastEvent === cached.lastEvent &&
      !watermark.changed &&
      BigInt(watermark.lastEvent) > BigInt(cached.lastEvent)
    ) {
      if (watermark.settled) cached.lastEvent = watermark.lastEvent;
      return this.touch(key, cached);
    }
    const flight = `${key}@${watermark.lastEvent}`;
    let pending = this.flights.get(flight);
    if (!pending) {
      this.misses++;
      pending = readRankedTotals(db, q)
        .then(({ watermark: read, ...totals }) => {
          const list = rankedList(totals, read.lastEvent);
          if (read.settled) this.store(key, list);
          return list;
        })
        .finally(() => this.flights.delete(flight));
      this.flights.set(flight, pending);
    }
    return pending;
  }

  private touch(key: string, list: RankedList): RankedList {
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, list);
    return list;
  }

  private store(key: string, list: RankedList) {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.bytes;
    }
    if (list.bytes > this.maxBytes) return;
    this.entries.set(key, list);
    this.bytes += list.bytes;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.bytes;
    }
  }

  get size() {
    return { entries: this.entries.size, bytes: this.bytes, hits: this.hits, misses: this.misses };
  }
}

/** Everything the ranked totals depend on (not the entity filters, applied per request). */
function cacheKey(q: RankedTotalsQuery): string {
  const lineRegion = q.dimension === 'business-lines' ? [q.filter.withinPath ?? null, q.filter.regionLevel ?? null] : null;
  return JSON.stringify([q.dimension, q.regionScope, q.range.from, q.range.to, q.asOf?.toISOString() ?? null, q.order, q.minCount, lineRegion]);
}

// One cache per database handle (a process usually has one; each test file has its own).
const caches = new WeakMap<Kysely<DB>, RankingCache>();

function cacheOf(db: Kysely<DB>): RankingCache | null {
  let cache = caches.get(db);
  if (!cache) {
    const mb = rankingCacheMb(process.env);
    cache = new RankingCache(mb * 1024 * 1024);
    caches.set(db, cache);
  }
  return cache.maxBytes > 0 ? cache : null;
}

/** How many rankings the cache of `db` holds, their approximate bytes, and how often it answered (hits) or read (misses). */
export function rankingCacheSize(db: Kysely<DB>) {
  return caches.get(db)?.size ?? { entries: 0, bytes: 0, hits: 0, misses: 0 };
}

/**
 * R13, R14: a ranking from the cache — the ranked list, with entity filters
 * and names read now — or null when the cache is configured off
 * (RANKING_CACHE_MB=0; the caller then runs rankingSql()).
 */
export async function cachedRanking(db: Kysely<DB>, q: Omit<RankingQuery, 'limit' | 'offset'>): Promise<RankingView | null> {
  const cache = cacheOf(db);
  if (!cache) return null;
  const [list, members] = await Promise.all([cache.list(db, q), rankingMembers(db, q)]);
  const { index, ranks, total, ranked } = members
    ? competitionRanks(list, members)
    : { index: null, ranks: list.ranks, total: list.keys.length, ranked: list.eligible };
  const slice = (offset: number, limit: number) => {
    const picked: { i: number; rank: number }[] = [];
    for (let j = offset; j < Math.min(total, offset + limit); j++) picked.push({ i: index ? index[j]! : j, rank: ranks[j]! });
    return picked;
  };
  return {
    total,
    ranked,
    keys: (offset, limit) => slice(offset, limit).map((p) => list.keys[p.i]!),
    async page(offset, limit) {
      const picked = slice(offset, limit);
      const names = await rankingEntities(
        db,
        q,
        picked.map((p) => list.keys[p.i]!),
      );
      const rows: RankingRow[] = [];
      for (const { i, rank } of picked) {
        const entity = names.get(list.keys[i]!);
        if (!entity) continue;
        const row = { ...entity, rank: rank || null, total, ranked_total: ranked } as RankingRow;
        SUMS.forEach((c, j) => (row[c] = list.sums[i * SUMS.length + j]!));
        rows.push(row);
      }
      return rows;
    },
  };
}
