import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { deliver, drain, makeRefund } from '../ledger/ledger-helpers.js';
import { harnessPerTest, topUpPaymentIntent, type Harness } from '../support/harness.js';

/**
 * Issue 10, item 5: CREDIT_UNTAGGED_PAYMENT_INTENTS=true never credits the PaymentIntent of an
 * invoice or a Checkout Session (credited from their own events: crediting both would credit the
 * payment twice), and honours MOESIF_COMPANY_ID_METADATA_KEY.
 */
describe('untagged PaymentIntents (CREDIT_UNTAGGED_PAYMENT_INTENTS=true)', () => {
  const start = harnessPerTest();
  const untagged = (overrides: Partial<Stripe.PaymentIntent> = {}) => topUpPaymentIntent({ metadata: {}, ...overrides });

  function paidInvoice(h: Harness, pi: Stripe.PaymentIntent): void {
    h.stripe.invoicePayments.set('inpay_1', {
      id: 'inpay_1',
      object: 'invoice_payment',
      invoice: 'in_subscription_1',
      payment: { type: 'payment_intent', payment_intent: pi.id },
      status: 'paid',
      amount_paid: pi.amount,
      currency: pi.currency,
    } as unknown as Stripe.InvoicePayment);
  }

  it('the PaymentIntent of a subscription invoice → ignored, nothing credited', async () => {
    const h = await start({ CREDIT_UNTAGGED_PAYMENT_INTENTS: 'true' });
    const pi = untagged();
    paidInvoice(h, pi);
    const event = h.stripe.makeEvent('payment_intent.succeeded', pi);
    await deliver(h, event, 'ignored');
    expect((await h.service.store.events.get(event.id))?.note).toMatch(/paid invoice in_subscription_1: credited from its own events/);
    expect(await h.service.store.outbox.get(pi.id)).toBeNull();
  });

  it('the PaymentIntent of a Checkout Session → ignored (the session’s own event credits it)', async () => {
    const h = await start({ CREDIT_UNTAGGED_PAYMENT_INTENTS: 'true' });
    const pi = untagged();
    h.stripe.checkoutSessions.set('cs_test_owner', { id: 'cs_test_owner', object: 'checkout.session', payment_intent: pi.id } as unknown as Stripe.Checkout.Session);
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', pi), 'ignored');
    expect(await h.service.store.outbox.get(pi.id)).toBeNull();
  });

  it('any other untagged PaymentIntent is credited, to the company in the customer’s metadata field; so is its refund', async () => {
    const h = await start({ CREDIT_UNTAGGED_PAYMENT_INTENTS: 'true', MOESIF_COMPANY_ID_METADATA_KEY: 'moesif_company' });
    h.stripe.customers.get('cus_alice')!.metadata = { moesif_company: 'acme-inc' };
    const pi = untagged({ amount: 2500, amount_received: 2500 });
    h.stripe.paymentIntents.set(pi.id, structuredClone(pi));
    const refund = makeRefund(pi.id, { amount: 500 });
    // The refund first: resolved from Stripe's PaymentIntent, with the same company.
    await deliver(h, h.stripe.makeEvent('refund.created', refund), 'queued');
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', pi), 'queued');
    await drain(h, [pi.id, refund.id]);
    expect(h.moesif.ledger.get(pi.id)).toMatchObject({ company_id: 'acme-inc', amount: 25, type: 'credit' });
    expect(h.moesif.ledger.get(refund.id)).toMatchObject({ company_id: 'acme-inc', amount: 5, type: 'debit' });
  });

  it('a customer without a usable company id in that field is not guessed at: ignored with the reason', async () => {
    const h = await start({ CREDIT_UNTAGGED_PAYMENT_INTENTS: 'true', MOESIF_COMPANY_ID_METADATA_KEY: 'moesif_company' });
    const event = h.stripe.makeEvent('payment_intent.succeeded', untagged());
    await deliver(h, event, 'ignored');
    expect((await h.service.store.events.get(event.id))?.note).toMatch(/no usable Moesif company id in metadata field "moesif_company"/);
  });
});
