import { expiryOf } from '../ledger/credit-expiry.js';
import type { DeliveryState, OutboxEntry } from '../ledger/ledger-entry.js';
import { CREDITS_CURRENCY } from '../money/credit-units.js';
import type { CreditRates } from '../money/moesif-amount.js';
import { creditsOf } from '../moesif/moesif-ledger.js';

export type LedgerKind = 'credit' | 'debit' | 'promotion' | 'adjustment';
export type LedgerSource = 'top-up' | 'checkout' | 'pack' | 'invoice' | 'refund' | 'dispute' | 'auto-recharge' | 'grant';

/** One ledger entry as GET /ledger shows it. Amounts are signed: negative takes credits away. */
export interface LedgerEntryView {
  id: string;
  kind: LedgerKind;
  /** Minor units of `currency`; null for granted credits (no money moved). */
  amount: number | null;
  currency: string | null;
  /** What Moesif's balance moves by. */
  credits: number;
  source: LedgerSource;
  /** The PaymentIntent, refund or dispute behind it; null for grants. */
  stripe_object_id: string | null;
  subscription_id: string | null;
  description: string;
  state: DeliveryState;
  created_at: string;
  delivered_at: string | null;
  active_at: string | null;
  expire_at: string | null;
}

const iso = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(ms).toISOString());

/**
 * Where an entry's money came from: grants by their Moesif type; refunds, disputes and invoices by
 * the prefix of their deterministic transaction id (the Stripe object, see ledger/ and webhooks/);
 * a PaymentIntent's credit by how it was sold (`origin`, from the tag written on the PaymentIntent)
 * and what was bought. An auto-recharge is `auto-recharge` even when it bought a pack; a pack bought
 * any other way (POST /top-up, a hosted checkout, a Payment Link) is `pack`; a checkout of an amount
 * is `checkout`; anything else `top-up`.
 */
export function ledgerSource(entry: Pick<OutboxEntry, 'transactionId' | 'ledgerType' | 'origin' | 'credits'>): LedgerSource {
  if (entry.ledgerType != null) return 'grant';
  // Refunds, and invoice credit notes (`cn_…`, `cn_…:voided`): money given back.
  if (/^(re|pyr|cn)_/.test(entry.transactionId)) return 'refund';
  if (/^(dp|du)_/.test(entry.transactionId)) return 'dispute';
  // Invoice credits: `in_…:il_…` (one per invoice line).
  if (entry.transactionId.startsWith('in_')) return 'invoice';
  if (entry.origin === 'auto-recharge') return 'auto-recharge';
  if (entry.credits != null) return 'pack';
  if (entry.origin === 'checkout') return 'checkout';
  return 'top-up';
}

function stripeObjectOf(entry: OutboxEntry): string | null {
  if (entry.ledgerType != null) return null;
  // Compensations carry a suffix (`re_…:reversed`); the Stripe object is before it.
  return entry.transactionId.split(':')[0] ?? null;
}

export function ledgerEntryView(entry: OutboxEntry, rates: CreditRates, creditExpiryMs: number | null): LedgerEntryView {
  const sign = entry.kind === 'debit' ? -1 : 1;
  const inCredits = entry.currency === CREDITS_CURRENCY;
  return {
    id: entry.transactionId,
    kind: entry.ledgerType ?? entry.kind,
    amount: inCredits ? null : sign * entry.amountMinor,
    currency: inCredits ? null : entry.currency,
    credits: sign * creditsOf(entry, rates),
    source: ledgerSource(entry),
    stripe_object_id: stripeObjectOf(entry),
    subscription_id: entry.subscriptionId,
    description: entry.description,
    state: entry.state,
    created_at: iso(entry.createdAt)!,
    delivered_at: iso(entry.deliveredAt),
    active_at: iso(entry.activeAt),
    expire_at: iso(expiryOf(entry, creditExpiryMs)),
  };
}
