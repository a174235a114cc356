import { userInfo } from 'node:os';
import pg from 'pg';

/**
 * Where the PostgreSQL suites connect: TEST_DATABASE_URL, else the project machines' local server
 * (trust auth, database `test`) as the current OS user.
 */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? `postgres://${encodeURIComponent(process.env.PGUSER ?? userInfo().username)}@127.0.0.1:5432/test`;

/**
 * Whether a PostgreSQL server answers. The suites that need one are skipped with the reason
 * printed, never silently.
 */
export async function postgresUnavailableReason(): Promise<string | null> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return `PostgreSQL at ${TEST_DATABASE_URL} is not reachable (${(err as Error).message}); PostgreSQL suites skipped`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A schema name unique to this test run, so parallel runs never share tables. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

export function urlWithSchema(schema: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
