import type { OutboxEntry } from './ledger-entry.js';

/**
 * When an entry's credits expire in Moesif (`expire_at`), unix ms; null = never. A promotion
 * carries its own; purchased credits expire CREDIT_EXPIRY after they were recorded (the outbox
 * row's creation, the same on every delivery attempt); debits and adjustments never carry one.
 */
export function expiryOf(entry: Pick<OutboxEntry, 'kind' | 'ledgerType' | 'expireAt' | 'createdAt'>, creditExpiryMs: number | null): number | null {
  if (entry.expireAt != null) return entry.expireAt;
  if (entry.kind !== 'credit' || entry.ledgerType != null || creditExpiryMs === null) return null;
  return entry.createdAt + creditExpiryMs;
}
