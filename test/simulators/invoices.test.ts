import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { stripeRefusal, useFakeStripe } from './stripe-helpers.js';

/**
 * The fake Stripe's one-off invoices and credit notes, driven through stripe-node as an operator's
 * backend would: what Stripe does (events, InvoicePayments since API 2025-03-31) and what it refuses.
 */
describe('fake Stripe: invoices, invoice payments, credit notes', () => {
  const sim = useFakeStripe();

  async function openInvoice(lines: Stripe.InvoiceAddLinesParams.Line[], metadata: Record<string, string> = {}) {
    const draft = await sim.stripe.invoices.create({ customer: 'cus_strict', currency: 'usd', metadata });
    await sim.stripe.invoices.addLines(draft.id, { lines });
    return sim.stripe.invoices.finalizeInvoice(draft.id);
  }

  it('create → add a Price line → finalize → pay: paid, its PaymentIntent listed as its payment, events as Stripe sends them', async () => {
    const price = sim.fake.addPrice({ unitAmount: 5000, currency: 'usd', credits: '500' });
    const open = await openInvoice([{ pricing: { price }, quantity: 3 }], { topup_sync: 'v1' });
    expect(open).toMatchObject({ status: 'open', billing_reason: 'manual', amount_due: 15000, metadata: { topup_sync: 'v1' } });
    const line = open.lines.data[0]!;
    expect(line).toMatchObject({ quantity: 3, amount: 15000, pricing: { price_details: { price } } });
    expect(line.id).toMatch(/^il_/);
    const paid = await sim.stripe.invoices.pay(open.id);
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 15000, amount_remaining: 0 });
    const payments = await sim.stripe.invoicePayments.list({ invoice: open.id });
    expect(payments.data).toHaveLength(1);
    const pi = String(payments.data[0]!.payment.payment_intent);
    expect(await sim.stripe.paymentIntents.retrieve(pi)).toMatchObject({ status: 'succeeded', amount_received: 15000, metadata: {} });
    const byPayment = await sim.stripe.invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: pi } });
    expect(byPayment.data.map((p) => p.invoice)).toEqual([open.id]);
    const types = sim.fake.events.filter((e) => [open.id, pi].includes((e.data.object as { id: string }).id)).map((e) => e.type);
    expect(types).toEqual(['invoice.finalized', 'payment_intent.succeeded', 'invoice.paid', 'invoice.payment_succeeded']);
    const lines = await sim.stripe.invoices.listLineItems(open.id);
    expect(lines.data.map((l) => l.id)).toEqual([line.id]);
  });

  it('refuses what Stripe refuses: lines on a finalized invoice, a recurring or inactive price, re-finalizing, paying twice', async () => {
    const price = sim.fake.addPrice({ unitAmount: 1000, currency: 'usd' });
    const open = await openInvoice([{ pricing: { price }, quantity: 1 }]);
    expect(await stripeRefusal(sim.stripe.invoices.addLines(open.id, { lines: [{ pricing: { price } }] }))).toMatchObject({ statusCode: 400, param: 'lines' });
    expect(await stripeRefusal(sim.stripe.invoices.finalizeInvoice(open.id))).toMatchObject({ statusCode: 400, code: 'invoice_not_editable' });
    await sim.stripe.invoices.pay(open.id);
    expect(await stripeRefusal(sim.stripe.invoices.pay(open.id))).toMatchObject({ statusCode: 400, code: 'invoice_already_paid' });
    const draft = await sim.stripe.invoices.create({ customer: 'cus_strict', currency: 'usd' });
    const monthly = sim.fake.addPrice({ unitAmount: 1000, currency: 'usd', recurring: true });
    const inactive = sim.fake.addPrice({ unitAmount: 1000, currency: 'usd', active: false });
    expect(await stripeRefusal(sim.stripe.invoices.addLines(draft.id, { lines: [{ pricing: { price: monthly } }] }))).toMatchObject({ param: 'lines[0][pricing][price]' });
    expect(await stripeRefusal(sim.stripe.invoices.addLines(draft.id, { lines: [{ pricing: { price: inactive } }] }))).toMatchObject({ param: 'lines[0][pricing][price]' });
    expect(await stripeRefusal(sim.stripe.invoices.addLines(draft.id, { lines: [{ description: 'no price' }] }))).toMatchObject({ code: 'parameter_missing' });
    expect(await stripeRefusal(sim.stripe.invoices.create({ currency: 'usd' }))).toMatchObject({ code: 'parameter_missing', param: 'customer' });
  });

  it('a declined card is a 402 card_error and the invoice stays open', async () => {
    sim.fake.addCustomer({ id: 'cus_declines', defaultPaymentMethod: 'pm_card_chargeCustomerFail', paymentMethods: ['pm_card_chargeCustomerFail'] });
    const price = sim.fake.addPrice({ unitAmount: 1000, currency: 'usd' });
    const draft = await sim.stripe.invoices.create({ customer: 'cus_declines', currency: 'usd' });
    await sim.stripe.invoices.addLines(draft.id, { lines: [{ pricing: { price } }] });
    await sim.stripe.invoices.finalizeInvoice(draft.id);
    expect(await stripeRefusal(sim.stripe.invoices.pay(draft.id))).toMatchObject({ statusCode: 402, type: 'StripeCardError', code: 'card_declined' });
    expect((await sim.stripe.invoices.retrieve(draft.id)).status).toBe('open');
  });

  it('credit notes: post-payment amounts must be refunded, credited or out of band in sum; refund_amount refunds the payment; voided once', async () => {
    const price = sim.fake.addPrice({ unitAmount: 1000, currency: 'usd' });
    const open = await openInvoice([{ pricing: { price }, quantity: 2 }]);
    await sim.stripe.invoices.pay(open.id);
    expect(await stripeRefusal(sim.stripe.creditNotes.create({ invoice: open.id, amount: 500 }))).toMatchObject({ statusCode: 400, param: 'refund_amount' });
    expect(await stripeRefusal(sim.stripe.creditNotes.create({ invoice: open.id, amount: 2500, credit_amount: 2500 }))).toMatchObject({ param: 'amount' });
    const note = await sim.stripe.creditNotes.create({ invoice: open.id, amount: 800, refund_amount: 300, credit_amount: 500 });
    expect(note).toMatchObject({ status: 'issued', post_payment_amount: 800, pre_payment_amount: 0, refunds: [{ amount_refunded: 300 }] });
    const refund = sim.fake.events.find((e) => e.type === 'refund.created' && (e.data.object as { id: string }).id === note.refunds[0]!.refund)!;
    const pi = (await sim.stripe.invoicePayments.list({ invoice: open.id })).data[0]!.payment.payment_intent;
    expect(refund.data.object).toMatchObject({ amount: 300, payment_intent: pi, status: 'succeeded' });
    expect((await sim.stripe.creditNotes.voidCreditNote(note.id)).status).toBe('void');
    expect(await stripeRefusal(sim.stripe.creditNotes.voidCreditNote(note.id))).toMatchObject({ statusCode: 400 });
    const draft = await sim.stripe.invoices.create({ customer: 'cus_strict', currency: 'usd' });
    expect(await stripeRefusal(sim.stripe.creditNotes.create({ invoice: draft.id, amount: 100, credit_amount: 100 }))).toMatchObject({ param: 'invoice' });
  });
});
