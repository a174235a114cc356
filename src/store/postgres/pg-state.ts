import type { StateStore } from '../state-store.js';
import type { PgDb } from './pg-db.js';

/** Named values and leases on PostgreSQL. */
export class PgState implements StateStore {
  constructor(private readonly db: PgDb) {}

  async get(key: string): Promise<string | null> {
    const { rows } = await this.db.query('SELECT value FROM service_state WHERE key = $1', [key]);
    return (rows[0]?.value as string | undefined) ?? null;
  }

  async set(key: string, value: string, now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO service_state (key, value, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [key, value, now],
    );
  }

  async tryAcquireLease(name: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    const r = await this.db.query(
      `INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE leases.expires_at < $4 OR leases.owner = excluded.owner`,
      [name, owner, now + ttlMs, now],
    );
    return r.rowCount === 1;
  }
}
