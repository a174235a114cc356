import type { StateStore } from '../state-store.js';
import type { SqliteDb } from './sqlite-db.js';

/** Named values and leases on SQLite. */
export class SqliteState implements StateStore {
  private readonly s;

  constructor(private readonly sql: SqliteDb) {
    this.s = {
      get: sql.prepare('SELECT value FROM service_state WHERE key = ?'),
      set: sql.prepare(
        `INSERT INTO service_state (key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ),
      lease: sql.prepare(
        `INSERT INTO leases (name, owner, expires_at) VALUES (@name, @owner, @expires)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE leases.expires_at < @now OR leases.owner = excluded.owner`,
      ),
    };
  }

  get(key: string): Promise<string | null> {
    return this.sql.read(() => (this.s.get.get(key) as { value: string } | undefined)?.value ?? null);
  }

  set(key: string, value: string, now: number): Promise<void> {
    return this.sql.write(() => {
      this.s.set.run(key, value, now);
    }, 'one');
  }

  tryAcquireLease(name: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    return this.sql.write(() => this.s.lease.run({ name, owner, expires: now + ttlMs, now }).changes === 1, 'one');
  }
}
