import type { Store } from './store.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore, sqlitePathFromUrl } from './sqlite/sqlite-store.js';

export interface StoreOptions {
  /** SQLite: how long a write waits for another connection's lock (then SQLITE_BUSY: store unavailable). */
  sqliteBusyTimeoutMs?: number;
  /**
   * 'service' (default): the process that delivers. On SQLite it owns the file (one at a time) and
   * releases every lease left by a dead process. 'operator': a command run beside the service
   * (npm run admin, npm run reconcile) that never claims entries; it shares the file.
   */
  role?: 'service' | 'operator';
  /** Problems of the store's background work that do not fail a request (SQLite: WAL checkpoints). */
  onProblem?: (message: string) => void;
}

/** Opens the store named by DATABASE_URL and applies pending migrations. */
export async function openStore(databaseUrl: string, options: StoreOptions = {}): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) {
    return new SqliteStore(sqlitePathFromUrl(databaseUrl), {
      busyTimeoutMs: options.sqliteBusyTimeoutMs,
      owner: (options.role ?? 'service') === 'service',
      onCheckpointProblem: options.onProblem,
    });
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return PostgresStore.open(databaseUrl);
  throw new Error(`unsupported DATABASE_URL scheme: ${databaseUrl.split(':')[0]}`);
}
