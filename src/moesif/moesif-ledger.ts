import { type AxiosInstance, isAxiosError } from 'axios';
import { z } from 'zod';
import type { Config } from '../config/config.js';
import { expiryOf } from '../ledger/credit-expiry.js';
import type { LedgerEntry } from '../ledger/ledger-entry.js';
import { toMoesifAmount, type CreditRates } from '../money/moesif-amount.js';
import { isStripeId } from '../stripe/stripe-ids.js';
import { MoesifDeliveryError } from './moesif-errors.js';
import { bodyText, createMoesifHttp, postBalanceTransaction, type MoesifBalanceTransaction } from './moesif-http.js';

/**
 * The path of a subscription's balance. Moesif's subscription ids are Stripe's (sub_…); anything
 * else is refused rather than encoded: `..` survives encodeURIComponent and would make this a
 * request for another path, sent with the management key.
 */
function subscriptionPath(id: string): string {
  if (!isStripeId('subscription', id)) throw new Error('refusing to build a Moesif path from a malformed subscription id');
  return `/search/~/subscriptions/${id}`;
}

/**
 * Moesif's record for a ledger entry. Purchases are `credit`/`debit` (configurable spellings) with
 * a positive amount; a promotion is `promotion`; an adjustment is `adjustment` carrying its sign in
 * the amount (Moesif documents no direction field for it). `expire_at` is the promotion's own, or
 * for purchased credits the entry's creation plus CREDIT_EXPIRY (`createdAt` is known once queued).
 */
export function toMoesifTransaction(
  entry: LedgerEntry & { createdAt?: number },
  subscriptionId: string,
  rates: CreditRates,
  types: { credit: string; debit: string },
  creditExpiryMs: number | null = null,
): MoesifBalanceTransaction {
  const amount = creditsOf(entry, rates);
  const signed = entry.ledgerType === 'adjustment' && entry.kind === 'debit' ? -amount : amount;
  const tx: MoesifBalanceTransaction = {
    company_id: entry.companyId,
    subscription_id: subscriptionId,
    amount: signed,
    type: entry.ledgerType ?? types[entry.kind],
    transaction_id: entry.transactionId,
    description: entry.description,
  };
  if (entry.activeAt != null) tx.active_at = new Date(entry.activeAt).toISOString();
  const expireAt = entry.createdAt === undefined ? (entry.expireAt ?? null) : expiryOf({ ...entry, createdAt: entry.createdAt }, creditExpiryMs);
  if (expireAt != null) tx.expire_at = new Date(expireAt).toISOString();
  return tx;
}

/**
 * The credits an entry moves, as Moesif's number: the exact credits a pack fixed, else the
 * amount at the currency's credit rate. Both are decimals of at most 15 significant digits,
 * which a double holds and JSON prints back exactly.
 */
export function creditsOf(entry: Pick<LedgerEntry, 'amountMinor' | 'currency' | 'credits'>, rates: CreditRates): number {
  return entry.credits !== null ? Number(entry.credits) : toMoesifAmount(entry.amountMinor, entry.currency, rates);
}

/** Moesif's three balance figures for a subscription (in credits: major units × rate). */
export interface SubscriptionBalance {
  currentBalance: number;
  pendingActivity: number;
  availableBalance: number;
  lastModified: string | null;
}

const balanceSchema = z.object({
  current_balance: z.number(),
  pending_activity: z.number(),
  available_balance: z.number(),
  last_modified: z.string().nullish(),
});


/**
 * Moesif's Management API, balance transactions only. Kept-alive connections; every failure is a
 * MoesifDeliveryError saying whether to retry.
 */
export class MoesifLedger {
  private readonly http: AxiosInstance;

  constructor(config: Config['moesif'], maxSockets: number) {
    this.http = createMoesifHttp(config, maxSockets);
  }

  /**
   * A subscription's balance as Moesif keeps it. Null when Moesif does not know the subscription;
   * MoesifDeliveryError when Moesif cannot be asked or answers something unusable. Throws (before
   * any request) for an id that is not a Stripe subscription id.
   */
  async getSubscriptionBalance(subscriptionId: string): Promise<SubscriptionBalance | null> {
    const path = subscriptionPath(subscriptionId);
    let status: number;
    let data: unknown;
    try {
      const res = await this.http.get(path);
      status = res.status;
      data = res.data;
    } catch (err) {
      const reason = isAxiosError(err) ? (err.code ?? err.message) : String(err);
      throw new MoesifDeliveryError(`request to Moesif failed: ${reason}`, true, null, null, null);
    }
    if (status === 404) return null;
    if (status < 200 || status >= 300) {
      throw new MoesifDeliveryError(`Moesif answered ${status}`, status === 429 || status >= 500, status, bodyText(data), null);
    }
    let parsed: unknown;
    try {
      parsed = typeof data === 'string' ? JSON.parse(data) : data;
    } catch {
      parsed = null;
    }
    const balance = balanceSchema.safeParse((parsed as { balance?: unknown } | null)?.balance);
    if (!balance.success) throw new MoesifDeliveryError('Moesif answered without a usable balance', true, status, bodyText(data), null);
    return {
      currentBalance: balance.data.current_balance,
      pendingActivity: balance.data.pending_activity,
      availableBalance: balance.data.available_balance,
      lastModified: balance.data.last_modified ?? null,
    };
  }

  postTransaction(tx: MoesifBalanceTransaction): Promise<void> {
    return postBalanceTransaction(this.http, tx);
  }

}
