/** The store could not be read or written. Callers answer 503 (Stripe retries) rather than lose data. */
export class StoreUnavailableError extends Error {
  readonly retryable = true;

  constructor(
    message: string,
    /** The driver's code for what happened (SQLSTATE, SQLITE_…, or errno), for operators' logs. */
    readonly driverCode: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }

  /**
   * Classifies an error from a store driver: trouble reaching or using the database becomes
   * StoreUnavailableError; anything else (a bug, a constraint we did not expect) is passed on as is.
   */
  static classify(err: unknown): unknown {
    if (err instanceof StoreUnavailableError || !isUnavailability(err)) return err;
    return StoreUnavailableError.wrap(err);
  }

  /** For a failure that means unavailability whatever it is, e.g. not obtaining a connection at all. */
  static wrap(err: unknown): StoreUnavailableError {
    if (err instanceof StoreUnavailableError) return err;
    const reason = err instanceof Error ? err.message : String(err);
    return new StoreUnavailableError(`store unavailable: ${reason}`, codeOf(err), { cause: err });
  }
}

function codeOf(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

/**
 * SQLite result codes (and their extended forms, e.g. SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE,
 * SQLITE_READONLY_DBMOVED) that mean "cannot reach or write the database": another process holds
 * the lock past busy_timeout, the disk is full or failing, the file is read-only or gone.
 */
const UNAVAILABLE_SQLITE = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|NOMEM|PROTOCOL|CORRUPT|NOTADB)/;
/**
 * PostgreSQL SQLSTATEs of the same kind, in a statement's answer: connection exceptions (08),
 * insufficient resources (53: 53300 too many connections, 53100 disk full, 53200 out of memory),
 * operator intervention (57P01 pg_terminate_backend or a fast shutdown, 57P02 crash, 57P03 not
 * accepting connections yet), a read-only transaction (25006: connected to a standby, e.g. right
 * after a failover), and serialization failures and deadlocks (retrying succeeds).
 * Not 55000 (object_not_in_prerequisite_state) in general: in a statement's answer it reports a
 * bug (e.g. currval before nextval); it means unavailability only as the server's refusal of a
 * session ("database … is not currently accepting connections"), which comes with severity FATAL
 * or while connecting — and a failure to connect is unavailability whatever its code.
 */
const UNAVAILABLE_POSTGRES = /^(08|53|57P|25006$|40001$|40P01$)/;
/** Socket-level failures reaching a database server, and disk failures making a file durable. */
const UNAVAILABLE_NETWORK = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
  'EIO', 'ENOSPC', 'EDQUOT', 'EROFS',
]);
/** Driver states with no code: a closed better-sqlite3 handle, an ended or disconnected pg pool or client. */
const UNAVAILABLE_MESSAGE =
  /database connection is not open|Connection terminated|Cannot use a pool after calling end|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable/i;

function isUnavailability(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = codeOf(err);
  if (code !== null) {
    if (UNAVAILABLE_SQLITE.test(code) || UNAVAILABLE_NETWORK.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) {
      if (UNAVAILABLE_POSTGRES.test(code)) return true;
      // The server ended the session (FATAL, PANIC): nothing more can be done on it.
      const severity = (err as { severity?: unknown }).severity;
      if (severity === 'FATAL' || severity === 'PANIC') return true;
    }
  }
  return UNAVAILABLE_MESSAGE.test(err.message);
}
