export type IdempotencyClaim =
  | { kind: 'new' }
  | { kind: 'same'; paymentIntentId: string | null; firstSeenAt: number }
  | { kind: 'conflict' };

/** Callers' Idempotency-Keys (already scoped to caller and customer) and what each produced. */
export interface IdempotencyStore {
  /** Reserves a scope for a request fingerprint. */
  claim(scope: string, fingerprint: string, now: number): Promise<IdempotencyClaim>;
  /** Remembers which Stripe object a scope produced. */
  complete(scope: string, paymentIntentId: string): Promise<void>;
}
