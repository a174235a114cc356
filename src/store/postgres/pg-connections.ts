import pg from 'pg';
import type { Row } from '../rows.js';
import { StoreUnavailableError } from '../store-errors.js';

/** BIGINT columns hold milliseconds and minor units, all well inside Number's safe range. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

const absorbClientError = (): void => undefined;

/**
 * The PostgreSQL store's pool of connections, and the one place its failures are classified:
 * whatever says the database cannot be reached or used leaves as StoreUnavailableError.
 */
export class PgConnections {
  private readonly pool: pg.Pool;

  constructor(connectionString: string, schema: string | null, poolSize: number) {
    this.pool = new pg.Pool({
      connectionString,
      max: poolSize,
      types,
      connectionTimeoutMillis: 5_000,
      // Set at connection start-up, so every pooled connection sees the schema before its first query.
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    this.pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it. Queries report their own errors.
    });
  }

  /**
   * A connection from the pool. Failing to get one is unavailability whatever the reason (refused,
   * server not accepting connections, too many connections, authentication): the database cannot
   * be used now. While checked out, a connection that dies (a terminated backend) emits 'error' on
   * its client: the failure reaches the caller through its query, so the event is only absorbed
   * here (an unhandled 'error' event would crash the process).
   */
  async connect(): Promise<pg.PoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw StoreUnavailableError.wrap(err);
    }
    client.on('error', absorbClientError);
    const release = client.release.bind(client);
    client.release = (err?: Error | boolean) => {
      client.removeListener('error', absorbClientError);
      release(err);
    };
    return client;
  }

  async query(sql: string, params: unknown[] = []): Promise<pg.QueryResult<Row>> {
    const client = await this.connect();
    let failure: unknown;
    try {
      return await client.query<Row>(sql, params);
    } catch (err) {
      failure = err;
      throw StoreUnavailableError.classify(err);
    } finally {
      // As pg's pool.query does: a connection whose statement failed is closed, not reused.
      client.release(failure instanceof Error ? failure : undefined);
    }
  }

  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let failure: unknown;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      failure = err;
      await client.query('ROLLBACK').catch(() => undefined);
      throw StoreUnavailableError.classify(err);
    } finally {
      client.release(failure instanceof Error ? failure : undefined);
    }
  }

  async end(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}
