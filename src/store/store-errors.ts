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

/** SQLite result codes (and driver states) that mean "cannot reach or write the database". */
const UNAVAILABLE_SQLITE = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|NOMEM|PROTOCOL|CORRUPT|NOTADB)/;

function isUnavailability(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_SQLITE.test(code)) return true;
  // better-sqlite3 throws a TypeError once the connection is closed.
  return /database connection is not open/i.test(err.message);
}
