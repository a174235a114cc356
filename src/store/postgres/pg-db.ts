import type pg from 'pg';
import { StoreUnavailableError } from '../store-errors.js';
import type { Row } from '../rows.js';
import { postgresMigrations } from './migrations.js';
import { PgConnections } from './pg-connections.js';

/** Serializes migrations when several instances start at once (an arbitrary, fixed advisory lock key). */
const MIGRATION_LOCK = 7_310_442_019;

/** Runs a statement: the store's pool (errors classified), or the client of a running transaction. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult<Row>>;
}

/**
 * `postgres://…?schema=name` puts every table in that schema (created if missing); the parameter
 * is ours and is removed before the URL reaches the driver.
 */
export function parsePostgresUrl(url: string): { connectionString: string; schema: string | null } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error('DATABASE_URL schema must be a lower-case identifier');
  }
  return { connectionString: parsed.toString(), schema };
}

/**
 * The connections shared by the per-capability parts of the PostgreSQL store (pg-connections.ts
 * classifies their failures), the migrations, and the two ways to use it: one statement, or a
 * transaction.
 */
export class PgDb implements Queryable {
  private constructor(private readonly connections: PgConnections) {}

  static async open(url: string, poolSize = 10): Promise<PgDb> {
    const { connectionString, schema } = parsePostgresUrl(url);
    const db = new PgDb(new PgConnections(connectionString, schema, poolSize));
    try {
      await db.migrate(schema);
    } catch (err) {
      await db.close();
      throw StoreUnavailableError.classify(err);
    }
    return db;
  }

  private async migrate(schema: string | null): Promise<void> {
    const client = await this.connections.connect();
    let failure: unknown;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      if (schema) {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await client.query(`SET LOCAL search_path TO ${schema}`);
      }
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((r) => r.version));
      for (const [i, sql] of postgresMigrations.entries()) {
        if (applied.has(i + 1)) continue;
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [i + 1, Date.now()]);
      }
      await client.query('COMMIT');
    } catch (err) {
      failure = err;
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release(failure instanceof Error ? failure : undefined);
    }
  }

  query(sql: string, params: unknown[] = []): Promise<pg.QueryResult<Row>> {
    return this.connections.query(sql, params);
  }

  transaction<T>(fn: (client: Queryable) => Promise<T>): Promise<T> {
    return this.connections.transaction(fn);
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  close(): Promise<void> {
    return this.connections.end();
  }
}
