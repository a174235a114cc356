import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { toApiError } from '../../src/http/middleware/error-handler.js';
import { StoreUnavailableError } from '../../src/store/store-errors.js';
import { postgresUnavailableReason, TEST_DATABASE_URL } from './postgres-available.js';

/**
 * Which driver errors mean "the store cannot be reached or used" (503 store_unavailable, Stripe
 * retries) and which are bugs (500): each error here is a real one, provoked from the driver.
 */
function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('nothing was thrown');
}

async function caughtAsync(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('nothing was thrown');
}

const status = (err: unknown) => toApiError(StoreUnavailableError.classify(err)).status;

describe('SQLite errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 't9-store-errors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('SQLITE_FULL (the database cannot grow) → 503', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (v TEXT)');
    db.pragma('max_page_count = 3');
    const err = caught(() => {
      for (let i = 0; i < 100; i++) db.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(2_000));
    });
    expect((err as { code: string }).code).toBe('SQLITE_FULL');
    expect(status(err)).toBe(503);
    expect(StoreUnavailableError.classify(err)).toMatchObject({ driverCode: 'SQLITE_FULL' });
  });

  it('SQLITE_READONLY (a read-only database file) → 503', () => {
    const path = join(dir, 'ro.db');
    new Database(path).exec('CREATE TABLE t (v TEXT)');
    const db = new Database(path, { readonly: true });
    const err = caught(() => db.prepare('INSERT INTO t VALUES (1)').run());
    expect((err as { code: string }).code).toBe('SQLITE_READONLY');
    expect(status(err)).toBe(503);
  });

  it('SQLITE_BUSY (another connection holds the write lock past busy_timeout) → 503', () => {
    const path = join(dir, 'busy.db');
    const a = new Database(path);
    a.pragma('journal_mode = WAL');
    a.exec('CREATE TABLE t (v TEXT)');
    const b = new Database(path);
    b.pragma('busy_timeout = 20');
    a.exec('BEGIN IMMEDIATE');
    const err = caught(() => b.prepare('INSERT INTO t VALUES (1)').run());
    a.exec('ROLLBACK');
    expect((err as { code: string }).code).toBe('SQLITE_BUSY');
    expect(status(err)).toBe(503);
  });

  it('SQLITE_NOTADB (the file is not a database) → 503; a closed handle → 503', () => {
    const path = join(dir, 'garbage.db');
    writeFileSync(path, 'this is not a sqlite database, just some text that is long enough'.repeat(20));
    const err = caught(() => new Database(path).prepare('SELECT 1 FROM sqlite_master').get());
    expect((err as { code: string }).code).toBe('SQLITE_NOTADB');
    expect(status(err)).toBe(503);
    const closed = new Database(':memory:');
    closed.close();
    expect(status(caught(() => closed.prepare('SELECT 1')))).toBe(503);
  });

  it('a constraint violation or an SQL error is a bug → 500, passed on unchanged', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (v TEXT PRIMARY KEY)');
    db.prepare('INSERT INTO t VALUES (1)').run();
    const constraint = caught(() => db.prepare('INSERT INTO t VALUES (1)').run());
    expect(StoreUnavailableError.classify(constraint)).toBe(constraint);
    expect(status(constraint)).toBe(500);
    expect(status(caught(() => db.prepare('SELEC nonsense')))).toBe(500);
  });
});

const postgresUnavailable = await postgresUnavailableReason();

describe.skipIf(postgresUnavailable !== null)('PostgreSQL errors', () => {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  const connected = client.connect();
  afterAll(async () => {
    await client.end();
  });

  it('55000 from a statement (currval before nextval) is a bug → 500, not unavailability', async () => {
    await connected;
    await client.query('CREATE TEMP SEQUENCE t9_seq');
    const err = await caughtAsync(client.query(`SELECT currval('t9_seq')`));
    expect((err as { code: string }).code).toBe('55000');
    expect(status(err)).toBe(500);
  });

  it('25006 (a write in a read-only transaction, as on a standby after a failover) → 503', async () => {
    await connected;
    await client.query('BEGIN READ ONLY');
    const err = await caughtAsync(client.query('CREATE TABLE t9_never (v int)'));
    await client.query('ROLLBACK');
    expect((err as { code: string }).code).toBe('25006');
    expect(status(err)).toBe(503);
  });

  it('a database that does not exist (FATAL 3D000 at connection) → 503; a syntax error → 500', async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = '/t9_no_such_database';
    const other = new pg.Client({ connectionString: url.toString() });
    const err = await caughtAsync(other.connect());
    expect(err).toMatchObject({ code: '3D000', severity: 'FATAL' });
    expect(status(err)).toBe(503);
    await connected;
    expect(status(await caughtAsync(client.query('SELEC 1')))).toBe(500);
  });

  it('connection refused (nothing listening) → 503', async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.port = '1';
    const err = await caughtAsync(new pg.Client({ connectionString: url.toString() }).connect());
    expect((err as { code: string }).code).toBe('ECONNREFUSED');
    expect(status(err)).toBe(503);
  });
});
