import type { Store } from './store.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore, sqlitePathFromUrl } from './sqlite/sqlite-store.js';

/** Opens the store named by DATABASE_URL and applies pending migrations. */
export async function openStore(databaseUrl: string): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) return new SqliteStore(sqlitePathFromUrl(databaseUrl));
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return PostgresStore.open(databaseUrl);
  throw new Error(`unsupported DATABASE_URL scheme: ${databaseUrl.split(':')[0]}`);
}
