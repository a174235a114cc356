import { z } from 'zod';
import { stripeId, type StripeIdKind } from '../stripe/stripe-ids.js';

/**
 * The shape each handled event's `data.object` must have before anything is read from it. A
 * signed event is Stripe's, but what it carries is still checked: an amount that is not an
 * integer, an id with a control character or a currency that is not one would otherwise reach
 * the outbox (and break a balance, or a PostgreSQL write, on every retry).
 */

/** A reference to another object: its id, or the object expanded (with that id). */
const ref = (kind: StripeIdKind) =>
  z.union([stripeId(kind), z.object({ id: stripeId(kind) }).transform((o) => o.id)], { message: `expected ${kind} id or object` });

/** Stripe amounts: integers in minor units. */
const minorAmount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const currency = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'expected a three-letter currency code')
  .transform((c) => c.toLowerCase());
/** Stripe's metadata: at most 50 keys of at most 40 characters, string values of at most 500. */
function isMetadata(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return entries.length <= 50 && entries.every(([k, v]) => k.length <= 40 && typeof v === 'string' && v.length <= 500);
}
// A plain check rather than z.record: this runs for every webhook, and z.record costs several
// times the rest of the object's validation.
const metadata = z.custom<Record<string, string>>(isMetadata, 'expected Stripe metadata (up to 50 string values)').nullish();

const PAYMENT_INTENT_STATUSES = [
  'canceled',
  'processing',
  'requires_action',
  'requires_capture',
  'requires_confirmation',
  'requires_payment_method',
  'succeeded',
] as const;

export const paymentIntentObject = z.object({
  id: stripeId('paymentIntent'),
  status: z.enum(PAYMENT_INTENT_STATUSES),
  amount: minorAmount,
  amount_received: minorAmount,
  currency,
  customer: ref('customer').nullish().transform((c) => c ?? null),
  client_secret: z.string().max(500).nullish().transform((s) => s ?? null),
  metadata: metadata.transform((m) => m ?? {}),
});

/** What payment_intent.processing / payment_failed / canceled need: which one, and its status. */
export const paymentIntentStatusObject = paymentIntentObject.pick({ id: true, status: true });

/** A short, closed word such as a refund's or dispute's status. */
const status = z.string().regex(/^[a-z_]{1,40}$/, 'expected a Stripe status');

export const refundObject = z.object({
  id: stripeId('refund'),
  amount: minorAmount,
  currency,
  status: status.nullish().transform((s) => s ?? null),
  payment_intent: ref('paymentIntent').nullish().transform((p) => p ?? null),
});

export const disputeObject = z.object({
  id: stripeId('dispute'),
  amount: minorAmount,
  currency,
  status,
  payment_intent: ref('paymentIntent').nullish().transform((p) => p ?? null),
  balance_transactions: z
    .array(z.object({ amount: z.number().int() }))
    .nullish()
    .transform((b) => b ?? []),
});

/** A Checkout Session: who paid what, whether the money is in, and the PaymentIntent that holds it. */
export const checkoutSessionObject = z.object({
  id: stripeId('checkoutSession'),
  mode: z.enum(['payment', 'setup', 'subscription'], { message: 'expected payment, setup or subscription' }),
  payment_status: z.enum(['paid', 'unpaid', 'no_payment_required'], { message: 'expected paid, unpaid or no_payment_required' }),
  customer: ref('customer').nullish().transform((c) => c ?? null),
  payment_intent: ref('paymentIntent').nullish().transform((p) => p ?? null),
  amount_total: minorAmount.nullish().transform((a) => a ?? null),
  currency: currency.nullish().transform((c) => c ?? null),
  metadata: metadata.transform((m) => m ?? {}),
});

/** A paid invoice: whose, how much, and why it was billed (subscription_* invoices buy no credits unless packs). */
export const invoiceObject = z.object({
  id: stripeId('invoice'),
  status: status.nullish().transform((s) => s ?? null),
  customer: ref('customer').nullish().transform((c) => c ?? null),
  amount_paid: minorAmount,
  currency,
  billing_reason: status.nullish().transform((r) => r ?? null),
});

/** A credit note: of which invoice, what it credits after payment, and what of that was refunded (debited by the refund's own events). */
export const creditNoteObject = z.object({
  id: stripeId('creditNote'),
  invoice: ref('invoice'),
  status,
  currency,
  post_payment_amount: minorAmount,
  refunds: z
    .array(z.object({ amount_refunded: minorAmount }))
    .nullish()
    .transform((r) => r ?? []),
});

export type InvoiceObject = z.output<typeof invoiceObject>;
export type CreditNoteObject = z.output<typeof creditNoteObject>;
export type CheckoutSessionObject = z.output<typeof checkoutSessionObject>;
export type PaymentIntentObject = z.output<typeof paymentIntentObject>;
export type RefundObject = z.output<typeof refundObject>;
export type DisputeObject = z.output<typeof disputeObject>;

const MAX_REASON = 300;

/**
 * Parses an event's object; on failure, why, in a bounded sentence that names the fields (schema
 * paths and zod's messages, never the values sent).
 */
export function parseEventObject<S extends z.ZodType>(
  schema: S,
  name: string,
  object: unknown,
): { ok: true; value: z.output<S> } | { ok: false; reason: string } {
  const parsed = schema.safeParse(object);
  if (parsed.success) return { ok: true, value: parsed.data };
  const problems = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(object)'}: ${i.message}`).join('; ');
  // A metadata key in a path may hold anything; the reason is stored and logged.
  const reason = `invalid ${name} object: ${problems}`.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return { ok: false, reason: reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}…` : reason };
}
