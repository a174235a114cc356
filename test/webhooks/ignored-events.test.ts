import type Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, startHarness, topUpPaymentIntent, type Harness } from '../support/harness.js';
import { expectNothingQueuedOrSent, settle, succeededEvent, waitForState } from './webhook-helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function expectIgnored(harness: Harness, event: Stripe.Event, note: RegExp): Promise<void> {
  const res = await harness.postEvent(event);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ received: true, outcome: 'ignored' });
  const stored = await harness.service.store.events.get(event.id);
  expect(stored).toMatchObject({ id: event.id, type: event.type, outcome: 'ignored' });
  expect(stored?.note).toMatch(note);
  expect(stored?.payload).toBe(JSON.stringify(event));
  await settle();
  await expectNothingQueuedOrSent(harness);
}

/** A succeeded PaymentIntent this service did not create: e.g. a subscription invoice payment. */
function invoicePaymentIntent(overrides: Record<string, unknown> = {}): Stripe.PaymentIntent {
  return topUpPaymentIntent({ metadata: {}, invoice: 'in_123', description: 'Subscription update', ...overrides } as never);
}

describe('unhandled event types', () => {
  it.each(['customer.created', 'customer.updated', 'payment_intent.created', 'invoice.upcoming'])(
    '%s → 200, stored as ignored, nothing queued',
    async (type) => {
      h = await startHarness();
      const object = type.startsWith('payment_intent.') ? topUpPaymentIntent({ status: 'processing' }) : { id: 'cus_new', object: 'customer' };
      const event = h.stripe.makeEvent(type as Stripe.Event['type'], object);
      await expectIgnored(h, event, new RegExp(`${type.replace('.', '\\.')} is not handled`));
    },
  );

  it.each(['payment_intent.processing', 'payment_intent.payment_failed', 'payment_intent.canceled'])(
    '%s → 200, ignored by the ledger, only tracked as the status of the top-up',
    async (type) => {
      h = await startHarness();
      const status = type === 'payment_intent.processing' ? 'processing' : type === 'payment_intent.canceled' ? 'canceled' : 'requires_payment_method';
      const object = topUpPaymentIntent({ status } as never);
      const event = h.stripe.makeEvent(type as Stripe.Event['type'], object);
      await expectIgnored(h, event, new RegExp(`is ${status}`));
    },
  );

  it('a redelivered ignored event is a duplicate, still 200', async () => {
    h = await startHarness();
    const event = h.stripe.makeEvent('customer.created', { id: 'cus_new', object: 'customer' });
    expect((await h.postEvent(event)).body.outcome).toBe('ignored');
    const again = await h.postEvent(event);
    expect(again.status).toBe(200);
    expect(again.body.outcome).toBe('duplicate');
    expect((await h.service.store.events.get(event.id))?.outcome).toBe('ignored');
  });
});

describe('defect 4: PaymentIntents that are not our top-ups', () => {
  it.each<[string, Record<string, string>]>([
    ['no metadata (subscription invoice)', {}],
    ['company and subscription but no marker', { moesif_company_id: 'cus_alice', moesif_subscription_id: 'sub_alice' }],
    ['a different marker value', { topup_sync: 'v0', moesif_company_id: 'cus_alice' }],
    ['the marker without a company', { topup_sync: 'v1' }],
    ['another integration\'s metadata', { order_id: 'ord_42', source: 'checkout' }],
  ])('defect 4: %s → 200 ignored, no credit', async (_name, metadata) => {
    h = await startHarness();
    const event = succeededEvent(h, invoicePaymentIntent({ metadata }));
    await expectIgnored(h, event, /not a top-up/);
  });

  it('defect 4: with CREDIT_UNTAGGED_PAYMENT_INTENTS=true an untagged PaymentIntent IS credited (company = customer, the customer\'s single active subscription)', async () => {
    h = await startHarness({ env: { CREDIT_UNTAGGED_PAYMENT_INTENTS: 'true' } });
    const pi = invoicePaymentIntent({ customer: ALICE.id, amount: 2500, amount_received: 2500 });
    const event = succeededEvent(h, pi);
    const res = await h.postEvent(event);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, outcome: 'queued' });
    const queued = await h.service.store.outbox.get(pi.id);
    expect(queued).toMatchObject({ customerId: 'cus_alice', companyId: 'cus_alice', amountMinor: 2500, currency: 'usd' });
    await waitForState(h, pi.id, 'delivered');
    expect(h.moesif.accepted).toEqual([
      { company_id: 'cus_alice', subscription_id: 'sub_alice', amount: 25, type: 'credit', transaction_id: pi.id, description: `Stripe top-up ${pi.id}` },
    ]);
    expect((await h.service.store.outbox.get(pi.id))?.subscriptionId).toBe('sub_alice');
    expect(h.stripe.requests.some((r) => r.method === 'GET' && r.path === '/v1/subscriptions')).toBe(true);
  });

  it('defect 4: CREDIT_UNTAGGED_PAYMENT_INTENTS=false (explicit) still ignores it', async () => {
    h = await startHarness({ env: { CREDIT_UNTAGGED_PAYMENT_INTENTS: 'false' } });
    await expectIgnored(h, succeededEvent(h, invoicePaymentIntent()), /not a top-up/);
  });
});

describe('defect 5: PaymentIntent without a customer', () => {
  it.each<[string, Record<string, string>, string | undefined]>([
    ['tagged, default settings', { topup_sync: 'v1', moesif_company_id: 'cus_alice', moesif_subscription_id: 'sub_alice' }, undefined],
    ['untagged, CREDIT_UNTAGGED_PAYMENT_INTENTS=true', {}, 'true'],
    ['tagged, CREDIT_UNTAGGED_PAYMENT_INTENTS=true', { topup_sync: 'v1', moesif_company_id: 'cus_alice' }, 'true'],
  ])('defect 5: customer null (%s) → 200 ignored, no credit', async (_name, metadata, creditUntagged) => {
    h = await startHarness({ env: { CREDIT_UNTAGGED_PAYMENT_INTENTS: creditUntagged } });
    const event = succeededEvent(h, topUpPaymentIntent({ customer: null, metadata }));
    await expectIgnored(h, event, /no customer/);
  });
});

describe('succeeded PaymentIntents that received nothing', () => {
  it('amount_received 0 → ignored, nothing queued', async () => {
    h = await startHarness();
    await expectIgnored(h, succeededEvent(h, topUpPaymentIntent({ amount_received: 0 })), /received no money/);
  });
});
