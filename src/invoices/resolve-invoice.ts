import { companyForPurchase } from '../ledger/purchase-company.js';
import type { Store } from '../store/store.js';
import type { StripeGateway } from '../stripe/stripe-gateway.js';
import { invoicePurchase, lineTransactionId, type InvoicePurchase, type Whom } from './invoice-credit.js';

export interface InvoiceDeps {
  store: Pick<Store, 'outbox'>;
  stripe: Pick<StripeGateway, 'retrieveInvoice' | 'checkoutSessionOfPayment' | 'getCustomer'>;
  settings: { companyIdMetadataKey: string | undefined };
}

export type ResolvedInvoice = { ok: true; purchase: InvoicePurchase; whom: Whom } | { ok: false; reason: string };

/**
 * What a paid invoice bought and whom it credits, read from Stripe (the same answer whichever
 * event asks first: invoice.paid, a refund, a credit note, a dispute). An invoice a Checkout
 * Session made (invoice_creation) is the session's: credited from its events, never twice. Lines
 * already credited keep what their recorded credit says (a moesif_credits edited on a Price
 * since must not change what a refund takes back), and so does their company and subscription.
 */
export async function resolveInvoice(deps: InvoiceDeps, invoiceId: string): Promise<ResolvedInvoice> {
  const invoice = await deps.stripe.retrieveInvoice(invoiceId);
  if (!invoice) return { ok: false, reason: `invoice ${invoiceId} not found at Stripe` };
  const found = invoicePurchase(invoice);
  if (!found.ok) return found;
  for (const pi of invoice.paymentIntentIds) {
    const session = await deps.stripe.checkoutSessionOfPayment(pi);
    if (session) return { ok: false, reason: `invoice was paid through checkout session ${session}: credited from the session's own events` };
  }
  const purchase = found.purchase;
  let whom: Whom | null = null;
  const lines = [];
  for (const line of purchase.lines) {
    const recorded = line.credited ? await deps.store.outbox.get(lineTransactionId(invoiceId, line.lineId)) : null;
    if (recorded && recorded.kind === 'credit') {
      whom ??= { companyId: recorded.companyId, subscriptionId: recorded.subscriptionId };
      lines.push({ ...line, credits: recorded.credits });
    } else {
      lines.push(line);
    }
  }
  if (!whom) {
    const company = await companyForPurchase(deps, purchase.customerId);
    if (!company.ok) return { ok: false, reason: company.reason };
    whom = { companyId: company.companyId, subscriptionId: null };
  }
  return { ok: true, purchase: { ...purchase, lines }, whom };
}
