/**
 * A balance transaction did not reach Moesif. `retryable`: network error, timeout, 429 or 5xx;
 * otherwise Moesif refused this payload and sending it again will not help.
 */
export class MoesifDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status: number | null,
    /** Moesif's response body (truncated), kept for the operator. */
    readonly responseBody: string | null,
    /** From a Retry-After header, when Moesif sent one. */
    readonly retryAfterMs: number | null,
  ) {
    super(message);
    this.name = 'MoesifDeliveryError';
  }
}
