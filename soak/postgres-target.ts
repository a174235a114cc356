import { userInfo } from 'node:os';
import pg from 'pg';

/**
 * The PostgreSQL server the soak uses: SOAK_DATABASE_URL, else TEST_DATABASE_URL, else the
 * project machines' local server (trust auth, database `test`) as the current OS user. Each run
 * gets a schema of its own, dropped at the end.
 */
export const SOAK_DATABASE_URL =
  process.env.SOAK_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  `postgres://${encodeURIComponent(process.env.PGUSER ?? userInfo().username)}@127.0.0.1:5432/test`;

/** Null when the server answers; otherwise why not (printed by the callers). */
export async function postgresUnavailableReason(url = SOAK_DATABASE_URL): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return `PostgreSQL at ${url} is not reachable (${(err as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function soakSchemaName(): string {
  return `soak_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

export function urlWithSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return u.toString();
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`not a schema name: ${schema}`);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
