import { createHash } from 'node:crypto';

/** What a POST with an Idempotency-Key first produced, replayed for the same key. */
export interface SavedAnswer {
  status: number;
  body: unknown;
}

interface Entry extends SavedAnswer {
  endpoint: string;
  fingerprint: string;
}

export type IdempotencyLookup =
  | { kind: 'new' }
  | { kind: 'replay'; answer: SavedAnswer }
  | { kind: 'conflict'; message: string };

/**
 * Stripe's idempotency keys (https://docs.stripe.com/api/idempotent_requests): the first answer to
 * a POST is saved under its key and replayed for a retry with the same parameters; the same key
 * with other parameters, or on another endpoint, is refused with an `idempotency_error`. Stripe
 * saves a result only once the endpoint began executing: a request refused by parameter
 * validation saves nothing and may be retried with the same key. Keys are kept for (at least)
 * 24 hours; forget() simulates their expiry.
 */
export class IdempotencyKeys {
  private readonly entries = new Map<string, Entry>();

  lookup(key: string, endpoint: string, params: unknown): IdempotencyLookup {
    const entry = this.entries.get(key);
    if (!entry) return { kind: 'new' };
    if (entry.endpoint !== endpoint) {
      return {
        kind: 'conflict',
        message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${entry.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
      };
    }
    if (entry.fingerprint !== fingerprint(params)) {
      return {
        kind: 'conflict',
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      };
    }
    return { kind: 'replay', answer: { status: entry.status, body: entry.body } };
  }

  save(key: string, endpoint: string, params: unknown, answer: SavedAnswer): void {
    this.entries.set(key, { endpoint, fingerprint: fingerprint(params), ...answer });
  }

  forget(): void {
    this.entries.clear();
  }
}

/** Parameters compared regardless of the order they were sent in. */
function fingerprint(params: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(params))).digest('hex');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
  );
}
