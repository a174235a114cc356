import { moesifAmountText } from '../src/money/moesif-amount.js';
import { takebackCredits } from '../src/packs/credit-amount.js';
import { expectedInvoiceTransactions } from './invoice-purchase.js';
import type { SoakPlan } from './plan.js';

/**
 * What Moesif's ledger must hold at the end, computed from the plan alone (never from the
 * service): a credit per top-up, a debit per refund, a compensating credit per failed or canceled
 * refund, each amount converted through the currency's Stripe exponent (credit rate 1); a pack
 * bought through checkout credits its pack credits, and its refunds take back their proportional
 * share (packs/credit-amount.ts's documented rule).
 */
export interface ExpectedTransaction {
  transactionId: string;
  type: 'credit' | 'debit';
  companyId: string;
  subscriptionId: string;
  /** Moesif's amount as exact decimal text, e.g. "10", "1.23". */
  amountText: string;
  /** The same amount in integer micro-units (amount × 10^6). */
  micro: bigint;
}

/** "12.345" → 12345000n; exact (throws on more than 6 decimals). */
export function decimalToMicro(text: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`not a decimal: ${text}`);
  const fraction = m[3] ?? '';
  if (fraction.length > 6) throw new Error(`more than 6 decimals: ${text}`);
  const value = BigInt(m[2]!) * 1_000_000n + BigInt(fraction.padEnd(6, '0') || '0');
  return m[1] === '-' ? -value : value;
}

/** A JSON number Moesif received → integer micro-units. */
export function numberToMicro(amount: number): bigint {
  return BigInt(Math.round(amount * 1e6));
}

/** 12345000n → "12.345". */
export function microToDecimal(micro: bigint): string {
  const sign = micro < 0n ? '-' : '';
  const abs = micro < 0n ? -micro : micro;
  const whole = abs / 1_000_000n;
  const fraction = (abs % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}

export function expectedLedger(plan: SoakPlan): Map<string, ExpectedTransaction> {
  const out = new Map<string, ExpectedTransaction>();
  const add = (tx: Omit<ExpectedTransaction, 'micro'>) => {
    if (out.has(tx.transactionId)) throw new Error(`plan bug: transaction id ${tx.transactionId} twice`);
    out.set(tx.transactionId, { ...tx, micro: decimalToMicro(tx.amountText) });
  };
  for (const t of plan.topUps) {
    const who = { companyId: t.customer.companyId, subscriptionId: t.customer.subscriptionId };
    add({ transactionId: t.paymentIntent.id, type: 'credit', amountText: t.packCredits ?? moesifAmountText(t.amountMinor, t.currency), ...who });
    for (const r of t.refunds) {
      const amountText = t.packCredits ? takebackCredits(t.packCredits, t.amountMinor, r.amountMinor) : moesifAmountText(r.amountMinor, r.currency);
      if (amountText === null) continue;
      add({ transactionId: r.id, type: 'debit', amountText, ...who });
      if (r.undoneAs) add({ transactionId: `${r.id}:reversed`, type: 'credit', amountText, ...who });
    }
  }
  for (const invoice of plan.invoices) {
    const who = { companyId: invoice.customer.customerId, subscriptionId: invoice.customer.subscriptionId };
    for (const tx of expectedInvoiceTransactions(invoice)) add({ ...tx, ...who });
  }
  return out;
}

/** Credits minus debits per subscription, in micro-units. */
export function totalsBySubscription(transactions: Iterable<{ type: string; subscriptionId: string; micro: bigint }>): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  for (const tx of transactions) {
    const signed = tx.type === 'debit' ? -tx.micro : tx.micro;
    totals.set(tx.subscriptionId, (totals.get(tx.subscriptionId) ?? 0n) + signed);
  }
  return totals;
}
