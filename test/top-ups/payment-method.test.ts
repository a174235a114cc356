import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { FakeCustomer } from '../../src/simulators/stripe/fake-stripe.js';
import { ALICE, BOB, startHarness, type Harness } from '../support/harness.js';
import {
  apiKeyAuth,
  bearer,
  expectApiError,
  expectNothingCredited,
  paymentIntentPosts,
  postTopUp,
  settle,
  signJwt,
  storedPaymentIntent,
} from './top-up-helpers.js';

const sub = (id: string) => [{ id, status: 'active' as const }];
const CUSTOMERS: FakeCustomer[] = [
  ALICE,
  BOB,
  { id: 'cus_onecard', defaultPaymentMethod: null, paymentMethods: ['pm_card_mastercard'], subscriptions: sub('sub_onecard') },
  { id: 'cus_nocard', defaultPaymentMethod: null, paymentMethods: [], subscriptions: sub('sub_nocard') },
  { id: 'cus_twocards', defaultPaymentMethod: null, paymentMethods: ['pm_card_visa', 'pm_card_mastercard'], subscriptions: sub('sub_twocards') },
  { id: 'cus_dora', defaultPaymentMethod: 'pm_card_mastercard', paymentMethods: ['pm_card_visa', 'pm_card_mastercard'], subscriptions: sub('sub_dora') },
  { id: 'cus_carol', defaultPaymentMethod: 'pm_carolsCard', paymentMethods: ['pm_carolsCard'], subscriptions: sub('sub_carol') },
];

describe('defect 8: which saved card is charged off-session', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ customers: CUSTOMERS });
  });
  afterEach(async () => {
    await h.stop();
  });

  test.each([
    ['the default card, not the first listed', 'cus_dora', undefined, 'pm_card_mastercard'],
    ['the only card when there is no default', 'cus_onecard', undefined, 'pm_card_mastercard'],
    ['an explicit card of the customer over the default', 'cus_dora', 'pm_card_visa', 'pm_card_visa'],
    ['an explicit card when there are two and no default', 'cus_twocards', 'pm_card_mastercard', 'pm_card_mastercard'],
  ])('defect 8: charges %s (%s)', async (_label, customer, explicit, charged) => {
    const body = { customer_id: customer, amount: 1000, currency: 'usd', ...(explicit ? { payment_method: explicit } : {}) };
    const res = await postTopUp(h, body, apiKeyAuth);
    expect(res.status, res.text).toBe(201);
    const pi = storedPaymentIntent(h, res.body.payment_intent_id);
    expect(pi.payment_method).toBe(charged);
    expect(pi.customer).toBe(customer);
    expect(pi.status).toBe('succeeded');
  });

  test.each([
    ['no saved card', 'cus_nocard'],
    ['two cards and no default (never data[0])', 'cus_twocards'],
  ])('defect 8: %s → 422 no_payment_method, nothing charged', async (_label, customer) => {
    const res = await postTopUp(h, { customer_id: customer, amount: 1000, currency: 'usd' }, apiKeyAuth);
    expectApiError(res, 422, 'no_payment_method');
    expect(paymentIntentPosts(h)).toEqual([]);
    expect(h.stripe.paymentIntents.size).toBe(0);
    await settle(60);
    await expectNothingCredited(h);
  });

  test.each([
    ["Carol's card for Alice, by API key", apiKeyAuth, { customer_id: 'cus_alice' }],
    ["Carol's card for Alice, by Alice's JWT", null, {}],
    ["Alice's-only card for Bob", apiKeyAuth, { customer_id: 'cus_bob', payment_method: 'pm_card_chargeDeclined' }],
  ])('defect 8: a payment method of another customer (%s) is rejected, nothing charged', async (_label, auth, extra) => {
    const authorization = auth ?? bearer(await signJwt({ customer: 'cus_alice' }));
    const res = await postTopUp(h, { amount: 1000, currency: 'usd', payment_method: 'pm_carolsCard', ...extra }, authorization);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error.code).not.toBe('internal_error');
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(res.body.error.request_id).toBe(res.headers['x-request-id']);
    expect(res.text).not.toContain('No such PaymentMethod');
    expect(h.stripe.paymentIntents.size).toBe(0);
    await settle(60);
    await expectNothingCredited(h);
  });

  test('an unknown customer → 422 customer_not_found, nothing charged', async () => {
    const res = await postTopUp(h, { customer_id: 'cus_nobody', amount: 1000, currency: 'usd' }, apiKeyAuth);
    expectApiError(res, 422, 'customer_not_found');
    expect(paymentIntentPosts(h)).toEqual([]);
  });
});
