/** The store could not be read or written. Callers answer 503 (Stripe retries) rather than lose data. */
export class StoreUnavailableError extends Error {
  readonly retryable = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }

  /**
   * Classifies an error from a store driver: trouble reaching or writing the database becomes
   * StoreUnavailableError; anything else (a bug, a constraint we did not expect) is passed on as is.
   */
  static classify(err: unknown): unknown {
    if (err instanceof StoreUnavailableError || !isUnavailability(err)) return err;
    const reason = err instanceof Error ? err.message : String(err);
    return new StoreUnavailableError(`store unavailable: ${reason}`, { cause: err });
  }
}

/** SQLite result codes that mean "cannot reach or write the database". */
const UNAVAILABLE_SQLITE = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|NOMEM|PROTOCOL|CORRUPT|NOTADB)/;
/**
 * PostgreSQL SQLSTATEs of the same kind: connection exceptions (08), insufficient resources (53),
 * operator intervention such as a restarting server (57P), serialization failures and deadlocks.
 */
const UNAVAILABLE_POSTGRES = /^(08|53|57P|40001|40P01)/;
/** Socket-level failures reaching a database server, and disk failures making a file durable. */
const UNAVAILABLE_NETWORK = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
  'EIO', 'ENOSPC', 'EDQUOT', 'EROFS',
]);
/** Driver states with no code: a closed better-sqlite3 handle, an ended or disconnected pg pool. */
const UNAVAILABLE_MESSAGE = /database connection is not open|Connection terminated|Cannot use a pool after calling end|timeout exceeded when trying to connect|Client has encountered a connection error/i;

function isUnavailability(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_SQLITE.test(code) || UNAVAILABLE_NETWORK.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_POSTGRES.test(code)) return true;
  }
  return UNAVAILABLE_MESSAGE.test(err.message);
}
