/** The store could not be read or written. Callers answer 503 (Stripe retries) rather than lose data. */
export class StoreUnavailableError extends Error {
  readonly retryable = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }

  static wrap(err: unknown): StoreUnavailableError {
    if (err instanceof StoreUnavailableError) return err;
    const reason = err instanceof Error ? err.message : String(err);
    return new StoreUnavailableError(`store operation failed: ${reason}`, { cause: err });
  }
}
