import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { createStripeClient } from '../../src/stripe/stripe-client.js';
import { deliver, drain } from '../ledger/ledger-helpers.js';
import { harnessPerTest, type Harness } from '../support/harness.js';
import { eventFor } from './checkout-helpers.js';

/**
 * Issue 10, item 2: sessions the service did not create (a Payment Link, a checkout built by the
 * operator's own backend) are credited when they buy credits: pack lines (moesif_credits on the
 * Price or its Product, N per unit × quantity) or the service's marker in their metadata (a
 * Payment Link's metadata is copied to its sessions). Everything else is ignored with the reason.
 */
describe('checkouts the service did not start', () => {
  const start = harnessPerTest();

  /** A session made by someone else's code (here, stripe-node against the fake), then paid. */
  async function paidForeignSession(h: Harness, params: Partial<Stripe.Checkout.SessionCreateParams>, paymentLink?: string) {
    const stripe = createStripeClient({ secretKey: 'sk_test_other_backend', apiBase: new URL(h.stripe.url) });
    const created = await stripe.checkout.sessions.create({
      mode: 'payment',
      customer: 'cus_alice',
      success_url: 'https://example.test/thanks',
      ...params,
    } as Stripe.Checkout.SessionCreateParams);
    if (paymentLink) Object.assign(h.stripe.checkoutSessions.get(created.id)!, { payment_link: paymentLink });
    const session = h.stripe.payCheckoutSession(created.id);
    return { session, pi: String(session.payment_intent), completed: eventFor(h, created.id, 'checkout.session.completed') };
  }

  it('a Payment Link session buying 3 units of a pack → 3 × N credits, to the customer’s only subscription', async () => {
    const h = await start();
    const pack = h.stripe.addPrice({ unitAmount: 1000, currency: 'usd', productCredits: '1200' });
    const { pi, completed } = await paidForeignSession(h, { line_items: [{ price: pack, quantity: 3 }] }, 'plink_1');
    await deliver(h, completed, 'queued');
    await drain(h, [pi]);
    expect(h.moesif.ledger.get(pi)).toMatchObject({ type: 'credit', amount: 3600, company_id: 'cus_alice', subscription_id: 'sub_alice' });
    expect(await h.service.store.outbox.get(pi)).toMatchObject({ amountMinor: 3000, credits: '3600' });
    // Its payment_intent.succeeded carries no marker: ignored, the credit stays one.
    await deliver(h, eventFor(h, pi, 'payment_intent.succeeded'), 'ignored');
    // A partial refund of one unit's price takes back one unit's credits.
    const refund = { id: 're_plink1', object: 'refund', amount: 1000, currency: 'usd', status: 'succeeded', payment_intent: pi };
    await deliver(h, h.stripe.makeEvent('refund.created', refund), 'queued');
    await drain(h, ['re_plink1']);
    expect(h.moesif.ledger.get('re_plink1')).toMatchObject({ type: 'debit', amount: 1200 });
  });

  it('a session whose metadata carries the marker (from its Payment Link) is credited its amount at CREDIT_RATES', async () => {
    const h = await start({ CREDIT_RATES: 'usd:2' });
    const { pi, completed } = await paidForeignSession(h, {
      line_items: [{ price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'Credits' } }, quantity: 1 }],
      metadata: { topup_sync: 'v1' },
    });
    await deliver(h, completed, 'queued');
    await drain(h, [pi]);
    expect(h.moesif.ledger.get(pi)?.amount).toBe(30);
  });

  it('a session that buys something else (no pack, no marker) is recorded as ignored with the reason', async () => {
    const h = await start();
    const tshirt = h.stripe.addPrice({ unitAmount: 2000, currency: 'usd', name: 'T-shirt' });
    const { pi, completed } = await paidForeignSession(h, { line_items: [{ price: tshirt, quantity: 1 }] });
    await deliver(h, completed, 'ignored');
    expect((await h.service.store.events.get(completed.id))?.note).toMatch(/not a credit purchase/);
    expect(await h.service.store.outbox.get(pi)).toBeNull();
  });

  it('with MOESIF_COMPANY_ID_METADATA_KEY the company comes from the customer’s metadata; none usable → ignored with the reason', async () => {
    const h = await start({ MOESIF_COMPANY_ID_METADATA_KEY: 'moesif_company' });
    const pack = h.stripe.addPrice({ unitAmount: 1000, currency: 'usd', credits: '10' });
    const missing = await paidForeignSession(h, { line_items: [{ price: pack, quantity: 1 }] });
    await deliver(h, missing.completed, 'ignored');
    expect((await h.service.store.events.get(missing.completed.id))?.note).toMatch(/no usable Moesif company id/);
    h.stripe.customers.get('cus_alice')!.metadata = { moesif_company: 'acme-inc' };
    const mapped = await paidForeignSession(h, { line_items: [{ price: pack, quantity: 1 }] });
    await deliver(h, mapped.completed, 'queued');
    await drain(h, [mapped.pi]);
    expect(h.moesif.ledger.get(mapped.pi)).toMatchObject({ company_id: 'acme-inc', amount: 10 });
  });

  it.each(['refund first', 'credit first', 'refund between two deliveries of the credit'])(
    'a partial refund of a Payment Link pack purchase converges on the proportional debit in any order (%s)',
    async (order) => {
      for (const untagged of ['false', 'true']) {
        const h = await start({ CREDIT_UNTAGGED_PAYMENT_INTENTS: untagged });
        const pack = h.stripe.addPrice({ unitAmount: 1000, currency: 'usd', productCredits: '1200' });
        const { pi, completed } = await paidForeignSession(h, { line_items: [{ price: pack, quantity: 3 }] }, 'plink_2');
        const refund = h.stripe.makeEvent('refund.created', { id: 're_plink_early', object: 'refund', amount: 1000, currency: 'usd', status: 'succeeded', payment_intent: pi });
        const steps = order === 'refund first' ? [refund, completed] : order === 'credit first' ? [completed, refund] : [completed, refund, completed];
        for (const event of steps) await deliver(h, event);
        await drain(h, [pi, 're_plink_early']);
        // One unit's share of 3 × 1,200 credits, whether or not the credit was recorded first; never at CREDIT_RATES.
        expect(h.moesif.ledger.get('re_plink_early')).toMatchObject({ type: 'debit', amount: 1200, company_id: 'cus_alice', subscription_id: 'sub_alice' });
        expect(h.moesif.ledger.get(pi)).toMatchObject({ type: 'credit', amount: 3600 });
      }
    },
  );
});
