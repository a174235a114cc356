import type { StripeGateway } from '../stripe/stripe-gateway.js';
import { isUsableCompanyId } from '../stripe/top-up-metadata.js';

/**
 * The Moesif company of a purchase the service did not start (a Payment Link, someone else's
 * checkout, an untagged PaymentIntent): the customer id, or with MOESIF_COMPANY_ID_METADATA_KEY
 * that field of the Stripe customer, as for top-ups. A customer without a usable value is not
 * guessed at: the event is recorded as ignored with the reason (fix the customer, then redrive).
 */
export async function companyForPurchase(
  deps: { stripe: Pick<StripeGateway, 'getCustomer'>; settings: { companyIdMetadataKey: string | undefined } },
  customerId: string,
): Promise<{ ok: true; companyId: string } | { ok: false; reason: string }> {
  const key = deps.settings.companyIdMetadataKey;
  if (!key) return { ok: true, companyId: customerId };
  const customer = await deps.stripe.getCustomer(customerId);
  if (!customer || customer.deleted) return { ok: false, reason: `customer ${customerId} not found at Stripe` };
  const companyId = customer.metadata[key];
  if (!isUsableCompanyId(companyId)) return { ok: false, reason: `customer ${customerId} has no usable Moesif company id in metadata field "${key}"` };
  return { ok: true, companyId };
}
