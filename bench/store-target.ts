import pg from 'pg';
import type { Cleanup } from './cleanup.js';

/** The DATABASE_URL of one phase's service: a SQLite file in its work dir, or a PostgreSQL schema of its own. */

export async function checkPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(`--store postgres: cannot reach ${url}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

export function databaseUrlFor(
  options: { store: 'sqlite' | 'postgres'; postgresUrl: string },
  workDir: string,
  schemaName: string,
  cleanup: Cleanup,
): string {
  if (options.store === 'sqlite') return `sqlite:${workDir}/topup-sync.db`;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schemaName)) throw new Error(`bad schema name ${schemaName}`);
  cleanup.defer(`drop schema ${schemaName}`, () => dropSchema(options.postgresUrl, schemaName));
  const url = new URL(options.postgresUrl);
  url.searchParams.set('schema', schemaName);
  return url.toString();
}
