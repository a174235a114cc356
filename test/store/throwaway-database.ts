import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEST_DATABASE_URL } from './postgres-available.js';

/**
 * A PostgreSQL database and login role of their own (names `t9_…`), for tests that make the
 * database unusable (refusing connections, terminating backends, connection limits) without
 * touching anything another test or another worktree uses. drop() removes both.
 */
export class ThrowawayDatabase {
  private constructor(
    readonly name: string,
    readonly role: string,
    private readonly admin: pg.Client,
  ) {}

  /** Why throwaway databases cannot be made here (the server's role may not create databases and roles), or null. */
  static async unavailableReason(): Promise<string | null> {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ ok: boolean }>(
        'SELECT rolsuper OR (rolcreatedb AND rolcreaterole) AS ok FROM pg_roles WHERE rolname = current_user',
      );
      return rows[0]?.ok ? null : `the role of ${TEST_DATABASE_URL} may not create databases and roles`;
    } catch (err) {
      return `PostgreSQL at ${TEST_DATABASE_URL} is not reachable (${(err as Error).message})`;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  static async create(): Promise<ThrowawayDatabase> {
    const suffix = `${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    const db = new ThrowawayDatabase(`t9_outage_${suffix}`, `t9_role_${suffix}`, admin);
    // A plain (not superuser) role: connection limits do not apply to superusers.
    await admin.query(`CREATE ROLE ${db.role} LOGIN`);
    await admin.query(`CREATE DATABASE ${db.name} OWNER ${db.role}`);
    return db;
  }

  /** The URL the service uses: this database, as this role, through `host:port` (default: the server's). */
  url(hostPort?: string): string {
    const url = new URL(TEST_DATABASE_URL);
    url.username = this.role;
    url.password = '';
    url.pathname = `/${this.name}`;
    if (hostPort) url.host = hostPort;
    return url.toString();
  }

  /** The server's own address (for a proxy in front of it). */
  get serverAddress(): { host: string; port: number } {
    const url = new URL(TEST_DATABASE_URL);
    return { host: url.hostname, port: Number(url.port || 5432) };
  }

  async sql(text: string, params: unknown[] = []): Promise<pg.QueryResult> {
    return this.admin.query(text, params);
  }

  /** Ends every session on the database (pg_terminate_backend): their next query fails with 57P01. */
  async terminateSessions(): Promise<number> {
    const { rows } = await this.admin.query(
      'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [this.name],
    );
    return rows.length;
  }

  async allowConnections(allow: boolean): Promise<void> {
    await this.admin.query(`ALTER DATABASE ${this.name} ALLOW_CONNECTIONS ${allow}`);
  }

  async connectionLimit(limit: number): Promise<void> {
    await this.admin.query(`ALTER ROLE ${this.role} CONNECTION LIMIT ${limit}`);
  }

  async drop(): Promise<void> {
    try {
      await this.admin.query(`ALTER DATABASE ${this.name} ALLOW_CONNECTIONS true`).catch(() => undefined);
      await this.admin.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
      await this.admin.query(`DROP ROLE IF EXISTS ${this.role}`);
    } finally {
      await this.admin.end();
    }
  }
}
