import type { RateLimitHits, RateLimitStore } from '../rate-limit-store.js';
import type { PgDb } from './pg-db.js';

/** Rate-limit counters on PostgreSQL, shared by every instance: one upsert per hit. */
export class PgRateLimits implements RateLimitStore {
  readonly shared = true;

  constructor(private readonly db: PgDb) {}

  async hit(key: string, windowMs: number, now: number): Promise<RateLimitHits> {
    const { rows } = await this.db.query(
      `INSERT INTO rate_limit_hits (key, hits, reset_at) VALUES ($1, 1, $2::bigint + $3::bigint)
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN rate_limit_hits.reset_at <= $2 THEN 1 ELSE rate_limit_hits.hits + 1 END,
         reset_at = CASE WHEN rate_limit_hits.reset_at <= $2 THEN $2::bigint + $3::bigint ELSE rate_limit_hits.reset_at END
       RETURNING hits, reset_at`,
      [key, now, windowMs],
    );
    return { hits: Number(rows[0]!.hits), resetAt: Number(rows[0]!.reset_at) };
  }

  async unhit(key: string, now: number): Promise<void> {
    await this.db.query('UPDATE rate_limit_hits SET hits = hits - 1 WHERE key = $1 AND reset_at > $2 AND hits > 0', [key, now]);
  }

  async reset(key: string): Promise<void> {
    await this.db.query('DELETE FROM rate_limit_hits WHERE key = $1', [key]);
  }

  async pruneExpired(now: number, limit: number): Promise<number> {
    const r = await this.db.query(
      `DELETE FROM rate_limit_hits WHERE key IN (
         SELECT key FROM rate_limit_hits WHERE reset_at <= $1 ORDER BY reset_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [now, limit],
    );
    return r.rowCount ?? 0;
  }
}
