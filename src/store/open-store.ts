import type { Store } from './store.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore, sqlitePathFromUrl } from './sqlite/sqlite-store.js';

export interface StoreOptions {
  /** SQLite: how long a write waits for another connection's lock (then SQLITE_BUSY: store unavailable). */
  sqliteBusyTimeoutMs?: number;
}

/** Opens the store named by DATABASE_URL and applies pending migrations. */
export async function openStore(databaseUrl: string, options: StoreOptions = {}): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) {
    return new SqliteStore(sqlitePathFromUrl(databaseUrl), { busyTimeoutMs: options.sqliteBusyTimeoutMs });
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return PostgresStore.open(databaseUrl);
  throw new Error(`unsupported DATABASE_URL scheme: ${databaseUrl.split(':')[0]}`);
}
