import type { Store } from './store.js';
import { SqliteStore, sqlitePathFromUrl } from './sqlite/sqlite-store.js';

/** Opens the store named by DATABASE_URL and applies pending migrations. */
export function openStore(databaseUrl: string): Store {
  if (databaseUrl.startsWith('sqlite:')) return new SqliteStore(sqlitePathFromUrl(databaseUrl));
  throw new Error(`unsupported DATABASE_URL scheme: ${databaseUrl.split(':')[0]}`);
}
