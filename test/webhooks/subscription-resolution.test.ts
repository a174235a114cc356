import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeCustomer } from '../../src/simulators/stripe/fake-stripe.js';
import { startHarness, topUpPaymentIntent, type Harness } from '../support/harness.js';
import { settle, succeededEvent, waitForState } from './webhook-helpers.js';

const customer = (id: string, subscriptions: FakeCustomer['subscriptions']): FakeCustomer => ({
  id,
  defaultPaymentMethod: 'pm_card_visa',
  paymentMethods: ['pm_card_visa'],
  subscriptions,
});

const ONE = customer('cus_one', [{ id: 'sub_one', status: 'active' }]);
const ONE_PLUS_CANCELED = customer('cus_one_plus_canceled', [
  { id: 'sub_old', status: 'canceled' },
  { id: 'sub_current', status: 'active' },
]);
const ONLY_TRIALING = customer('cus_trialing', [{ id: 'sub_trial', status: 'trialing' }]);
const NONE = customer('cus_none', []);
const ONLY_CANCELED = customer('cus_only_canceled', [{ id: 'sub_gone', status: 'canceled' }]);
const TWO = customer('cus_two', [
  { id: 'sub_a', status: 'active' },
  { id: 'sub_b', status: 'active' },
]);
const ACTIVE_AND_TRIALING = customer('cus_active_trialing', [
  { id: 'sub_paid', status: 'active' },
  { id: 'sub_trying', status: 'trialing' },
]);

/** A top-up PaymentIntent whose metadata names the company but no moesif_subscription_id. */
function untargeted(customerId: string) {
  return topUpPaymentIntent({ customer: customerId, metadata: { topup_sync: 'v1', moesif_company_id: customerId } });
}

describe('subscription resolution when the metadata names no subscription', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ customers: [ONE, ONE_PLUS_CANCELED, ONLY_TRIALING, NONE, ONLY_CANCELED, TWO, ACTIVE_AND_TRIALING] });
  });
  afterEach(async () => {
    await h.stop();
  });

  it.each([
    ['exactly one active subscription', ONE.id, 'sub_one'],
    ['one active and one canceled subscription', ONE_PLUS_CANCELED.id, 'sub_current'],
    ['a single trialing subscription', ONLY_TRIALING.id, 'sub_trial'],
  ])('customer with %s → credited to it', async (_name, customerId, subscriptionId) => {
    const pi = untargeted(customerId);
    const res = await h.postEvent(succeededEvent(h, pi));
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('queued');
    expect((await h.service.store.outbox.get(pi.id))?.subscriptionId).toBeNull();
    await waitForState(h, pi.id, 'delivered');
    expect(h.moesif.accepted).toEqual([
      expect.objectContaining({ company_id: customerId, subscription_id: subscriptionId, amount: 10, transaction_id: pi.id }),
    ]);
    // The resolved subscription is remembered on the entry.
    expect((await h.service.store.outbox.get(pi.id))?.subscriptionId).toBe(subscriptionId);
  });

  it.each([
    ['no subscription at all', NONE.id],
    ['only a canceled subscription', ONLY_CANCELED.id],
    ['no Stripe customer record', 'cus_unknown'],
  ])('customer with %s → entry failed "no active subscription", nothing sent to Moesif', async (_name, customerId) => {
    const pi = untargeted(customerId);
    const res = await h.postEvent(succeededEvent(h, pi));
    // The webhook itself succeeded: the event is durably recorded, the problem is parked for an operator.
    expect(res.status).toBe(200);
    await waitForState(h, pi.id, 'failed');
    const entry = await h.service.store.outbox.get(pi.id);
    expect(entry?.lastError).toMatch(/no active subscription/i);
    expect(entry?.subscriptionId).toBeNull();
    await settle();
    expect(h.moesif.requests).toEqual([]);
    expect(await h.service.store.outbox.countByState()).toEqual({ pending: 0, delivered: 0, failed: 1, dead: 0 });
  });

  it.each([
    ['two active subscriptions', TWO.id],
    ['one active and one trialing subscription', ACTIVE_AND_TRIALING.id],
  ])('defect 6: customer with %s → failed naming the ambiguity, never an arbitrary one', async (_name, customerId) => {
    const pi = untargeted(customerId);
    const res = await h.postEvent(succeededEvent(h, pi));
    expect(res.status).toBe(200);
    await waitForState(h, pi.id, 'failed');
    const entry = await h.service.store.outbox.get(pi.id);
    expect(entry?.lastError).toMatch(/\b2\b|several|multiple/i);
    expect(entry?.lastError).toMatch(/subscriptions/i);
    expect(entry?.subscriptionId).toBeNull();
    await settle();
    expect(h.moesif.requests).toEqual([]);
  });

  it('defect 6: a subscription named in the metadata is used as is, even when the customer has several', async () => {
    const pi = topUpPaymentIntent({ customer: TWO.id, metadata: { topup_sync: 'v1', moesif_company_id: TWO.id, moesif_subscription_id: 'sub_b' } });
    expect((await h.postEvent(succeededEvent(h, pi))).status).toBe(200);
    await waitForState(h, pi.id, 'delivered');
    expect(h.moesif.accepted.map((tx) => tx.subscription_id)).toEqual(['sub_b']);
  });

  it('a subscription that moves from active to trialing between the two status reads is still one subscription → credited to it', async () => {
    // Stripe lists one status per request: the 'active' read sees it active, then a trial is
    // added to it (it is now trialing) before the 'trialing' read, which lists it again.
    const moving = customer('cus_moving', [{ id: 'sub_moving', status: 'active' }]);
    h.stripe.addCustomer(moving);
    h.stripe.onRequest((r) => {
      if (r.path === '/v1/subscriptions' && r.params.customer === moving.id && r.params.status === 'trialing') {
        moving.subscriptions![0]!.status = 'trialing';
      }
    });
    const pi = untargeted(moving.id);
    expect((await h.postEvent(succeededEvent(h, pi))).status).toBe(200);
    await waitForState(h, pi.id, 'delivered');
    const reads = h.stripe.requests.filter((r) => r.path === '/v1/subscriptions' && r.params.customer === moving.id);
    expect(reads.map((r) => r.params.status)).toEqual(['active', 'trialing']);
    expect(h.moesif.accepted.map((tx) => [tx.company_id, tx.subscription_id])).toEqual([[moving.id, 'sub_moving']]);
  });

  it('a customer added later via h.stripe.addCustomer resolves too', async () => {
    h.stripe.addCustomer(customer('cus_late', [{ id: 'sub_late', status: 'active' }]));
    const pi = untargeted('cus_late');
    expect((await h.postEvent(succeededEvent(h, pi))).status).toBe(200);
    await waitForState(h, pi.id, 'delivered');
    expect(h.moesif.accepted.map((tx) => [tx.company_id, tx.subscription_id])).toEqual([['cus_late', 'sub_late']]);
  });
});
