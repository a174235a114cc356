import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ALICE, BOB, startHarness, type Harness } from '../support/harness.js';
import {
  apiKeyAuth,
  bearer,
  expectApiError,
  expectNothingCredited,
  getTopUp,
  paymentIntentPosts,
  postTopUp,
  settle,
  signJwt,
  storedPaymentIntent,
} from './top-up-helpers.js';

const BODY = { customer_id: 'cus_alice', amount: 1000, currency: 'usd' };

describe('defect 9: card errors are answered (no hang), nothing credited', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({
      customers: [
        ALICE,
        BOB,
        // Customers whose *default* card fails: the error path without an explicit payment_method.
        { id: 'cus_declinedefault', defaultPaymentMethod: 'pm_card_chargeDeclined', paymentMethods: ['pm_card_chargeDeclined'], subscriptions: [{ id: 'sub_d', status: 'active' }] },
        { id: 'cus_3dsdefault', defaultPaymentMethod: 'pm_card_authenticationRequired', paymentMethods: ['pm_card_authenticationRequired'], subscriptions: [{ id: 'sub_t', status: 'active' }] },
      ],
    });
  });
  afterEach(async () => {
    await h.stop();
  });

  test.each([
    ['pm_card_chargeDeclined', 'generic_decline'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
  ])('defect 9: %s → 402 card_declined with decline_code %s and the payment_intent_id', async (card, declineCode) => {
    const started = Date.now();
    const res = await postTopUp(h, { ...BODY, payment_method: card }, apiKeyAuth);
    expect(Date.now() - started).toBeLessThan(5_000);
    expectApiError(res, 402, 'card_declined', ['decline_code', 'payment_intent_id']);
    expect(res.body.error.decline_code).toBe(declineCode);
    const id = res.body.error.payment_intent_id as string;
    expect(id).toMatch(/^pi_/);
    expect(res.body.error).not.toHaveProperty('client_secret');

    const pi = storedPaymentIntent(h, id);
    expect(pi).toMatchObject({ status: 'requires_payment_method', payment_method: card, customer: 'cus_alice', amount_received: 0 });
    expect(pi.metadata).toMatchObject({ topup_sync: 'v1', moesif_company_id: 'cus_alice' });
    // The attempt is remembered (so GET /top-ups/:id can explain it) but nothing is queued.
    expect(await h.service.store.topUps.get(id)).toMatchObject({ paymentIntentId: id, customerId: 'cus_alice', amountMinor: 1000 });
    await settle();
    expect(await h.service.store.outbox.get(id)).toBeNull();
    await expectNothingCredited(h);
    // The SDK does not retry a card error.
    expect(paymentIntentPosts(h)).toHaveLength(1);
  });

  test('defect 9: pm_card_authenticationRequired → 402 authentication_required with payment_intent_id and client_secret', async () => {
    const res = await postTopUp(h, { ...BODY, payment_method: 'pm_card_authenticationRequired' }, apiKeyAuth);
    expectApiError(res, 402, 'authentication_required', ['payment_intent_id', 'client_secret']);
    const id = res.body.error.payment_intent_id as string;
    const pi = storedPaymentIntent(h, id);
    expect(res.body.error.client_secret).toBe(pi.client_secret);
    expect(pi.status).toBe('requires_payment_method');
    await settle();
    await expectNothingCredited(h);
  });

  test('defect 9: after the customer authenticates in the browser, the webhook credits once', async () => {
    const res = await postTopUp(h, { ...BODY, payment_method: 'pm_card_authenticationRequired', subscription_id: 'sub_alice' }, apiKeyAuth);
    const id = res.body.error.payment_intent_id as string;
    h.stripe.succeed(id);
    const hook = await h.postEvent(h.stripe.makeEvent('payment_intent.succeeded', structuredClone(storedPaymentIntent(h, id))));
    expect(hook.body).toEqual({ received: true, outcome: 'queued' });
    await settle(250);
    expect(h.moesif.accepted).toEqual([expect.objectContaining({ transaction_id: id, amount: 10, company_id: 'cus_alice', subscription_id: 'sub_alice' })]);
  });

  test.each([
    ['cus_declinedefault', 402, 'card_declined'],
    ['cus_3dsdefault', 402, 'authentication_required'],
  ])('defect 9: a failing default card (%s) → %i %s, no hang, nothing credited', async (customer, status, code) => {
    const res = await postTopUp(h, { ...BODY, customer_id: customer }, apiKeyAuth);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(h.stripe.paymentIntents.get(res.body.error.payment_intent_id)).toBeDefined();
    await settle();
    await expectNothingCredited(h);
  });

  test('defect 9: a JWT caller gets the same answer (browser path)', async () => {
    const token = await signJwt({ customer: 'cus_alice' });
    const res = await postTopUp(h, { amount: 1000, currency: 'usd', payment_method: 'pm_card_chargeDeclined' }, bearer(token));
    expectApiError(res, 402, 'card_declined', ['decline_code', 'payment_intent_id']);
  });

  test('defect 9: many declines in parallel all get answers, and the service still serves', async () => {
    const cards = ['pm_card_chargeDeclined', 'pm_card_chargeDeclinedInsufficientFunds', 'pm_card_authenticationRequired'];
    const all = await Promise.all(
      Array.from({ length: 9 }, (_, i) => postTopUp(h, { ...BODY, payment_method: cards[i % 3] }, apiKeyAuth)),
    );
    expect(all.map((r) => r.status)).toEqual(Array(9).fill(402));
    const ok = await postTopUp(h, BODY, apiKeyAuth);
    expect(ok.status).toBe(201);
  });

  test('a declined top-up reads back as requires_payment_method with credit awaiting_payment', async () => {
    const res = await postTopUp(h, { ...BODY, payment_method: 'pm_card_chargeDeclined' }, apiKeyAuth);
    const id = res.body.error.payment_intent_id as string;
    const status = await getTopUp(h, id, apiKeyAuth);
    expect(status.status).toBe(200);
    expect(status.body).toEqual({
      payment_intent_id: id,
      customer_id: 'cus_alice',
      status: 'requires_payment_method',
      amount: 1000,
      currency: 'usd',
      credit: { state: 'awaiting_payment' },
    });
  });
});
