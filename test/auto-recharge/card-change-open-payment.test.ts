import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluate } from '../../src/auto-recharge/evaluate.js';
import { signEvent } from '../../src/simulators/stripe/fake-stripe.js';
import { WEBHOOK_SECRET } from '../support/harness.js';
import {
  apiKey,
  carolSetting,
  creditsOf,
  getSetting,
  paymentIntentsOf,
  putSetting,
  seedBalance,
  startWorld,
  waitForCredits,
  type ArWorld,
} from './auto-recharge-helpers.js';

const MIN = 60_000;

/**
 * A recharge waiting for 3-D Secure (requires_action) and then a card change: the new card is
 * charged, so the waiting PaymentIntent must be canceled first, or the customer completing it
 * later would pay the same crossing twice.
 */
describe('auto-recharge: a payment waiting for the customer when the card changes', () => {
  let w: ArWorld;
  beforeEach(async () => {
    w = await startWorld();
    seedBalance(w, 'sub_carol', 1); // below the threshold of 10
  });
  afterEach(() => w.stop());

  const service = () => w.services[0]!;
  const check = () => evaluate(service().autoRecharge, 'sub_carol');
  const customer = () => w.stripe.customers.get('cus_carol')!;
  const succeededCharges = () => paymentIntentsOf(w, 'cus_carol').filter((pi) => pi.status === 'succeeded');

  async function waitingFor3ds() {
    customer().defaultPaymentMethod = 'pm_card_authenticationRequired';
    const body = (await putSetting(w, carolSetting())).body;
    expect(body.state).toBe('requires_action');
    return paymentIntentsOf(w, 'cus_carol')[0]!;
  }

  async function deliverSucceeded(id: string) {
    const event = w.stripe.makeEvent('payment_intent.succeeded', structuredClone(w.stripe.paymentIntents.get(id)!));
    const signed = signEvent(event, WEBHOOK_SECRET);
    return (await w.http.post('/webhooks/stripe').set('Stripe-Signature', signed.signature).set('Content-Type', 'application/json').send(signed.body)).status;
  }

  it('default card changed: the waiting PaymentIntent is canceled before the new card is charged, and can no longer be completed: one charge, one credit', async () => {
    const old = await waitingFor3ds();
    customer().defaultPaymentMethod = 'pm_card_mastercard';
    w.clock.advance(11 * MIN);
    expect(await check()).toBe('charged');

    const intents = paymentIntentsOf(w, 'cus_carol');
    expect(intents.map((pi) => [pi.id === old.id ? 'old' : 'new', pi.status, pi.payment_method])).toEqual([
      ['old', 'canceled', 'pm_card_authenticationRequired'],
      ['new', 'succeeded', 'pm_card_mastercard'],
    ]);
    // The customer comes back to the 3-D Secure page: Stripe refuses to confirm a canceled PaymentIntent.
    expect(() => w.stripe.succeed(old.id)).toThrow(/status of canceled/);
    const viaBrowser = await fetch(`${w.stripe.url}/_simulator/payment_intents/${old.id}/succeed`, { method: 'POST' });
    expect(viaBrowser.status).toBe(400);
    expect(((await viaBrowser.json()) as { error: unknown }).error).toMatchObject({ code: 'payment_intent_unexpected_state' });

    await waitForCredits(w, 'sub_carol', 1);
    expect(succeededCharges()).toHaveLength(1);
    expect(creditsOf(w, 'sub_carol')).toEqual([expect.objectContaining({ transaction_id: intents[1]!.id, amount: 10 })]);
    const attempts = await service().store.autoRecharge.listAttempts('sub_carol', 5);
    expect(attempts.map((a) => [a.sequence, a.outcome, a.paymentIntentId])).toEqual([
      [2, 'succeeded', intents[1]!.id],
      [1, 'canceled', old.id],
    ]);
    expect((await getSetting(w, 'customer_id=cus_carol')).body).toMatchObject({ state: 'active', pause: null, charged_this_month: 1000 });
  });

  it('a new payment_method on the setting: the same, through PUT /auto-recharge', async () => {
    const old = await waitingFor3ds();
    w.clock.advance(11 * MIN);
    const body = (await putSetting(w, carolSetting({ payment_method: 'pm_card_visa' }))).body;
    expect(body).toMatchObject({ state: 'active', attempts: [expect.objectContaining({ outcome: 'succeeded' }), expect.objectContaining({ outcome: 'canceled', payment_intent_id: old.id })] });
    expect(w.stripe.paymentIntents.get(old.id)!.status).toBe('canceled');
    expect(() => w.stripe.succeed(old.id)).toThrow(/status of canceled/);
    expect(succeededCharges()).toHaveLength(1);
  });

  it('the customer completed it just before the card change: that payment is the charge, nothing new is charged, one credit', async () => {
    const old = await waitingFor3ds();
    w.stripe.succeed(old.id); // completed in the browser; its webhook has not arrived yet
    customer().defaultPaymentMethod = 'pm_card_mastercard';
    w.clock.advance(11 * MIN);
    expect(await check()).toBe('charged');
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(1);
    expect((await service().store.autoRecharge.listAttempts('sub_carol', 5)).map((a) => a.outcome)).toEqual(['succeeded']);
    // The balance does not show it until the webhook lands: the cooldown counts from when it was settled.
    w.clock.advance(5 * MIN);
    expect(await check()).toBe('cooldown');
    expect(await deliverSucceeded(old.id)).toBe(200);
    await waitForCredits(w, 'sub_carol', 1);
    w.clock.advance(11 * MIN);
    expect(await check()).toBe('above_threshold');
    expect(succeededCharges()).toHaveLength(1);
    expect(creditsOf(w, 'sub_carol')).toEqual([expect.objectContaining({ transaction_id: old.id, amount: 10 })]);
  });

  it('disabling or deleting the setting cancels a payment still waiting for the customer', async () => {
    const old = await waitingFor3ds();
    const off = (await putSetting(w, carolSetting({ enabled: false, consent: undefined }))).body;
    expect(off).toMatchObject({ state: 'disabled', pause: null, attempts: [expect.objectContaining({ outcome: 'canceled', reason: 'auto-recharge disabled' })] });
    expect(w.stripe.paymentIntents.get(old.id)!.status).toBe('canceled');

    // Enabled again (3-D Secure again), then deleted.
    w.clock.advance(11 * MIN);
    await putSetting(w, carolSetting());
    const second = paymentIntentsOf(w, 'cus_carol')[1]!;
    expect(second.status).not.toBe('canceled');
    expect((await w.http.delete('/auto-recharge?customer_id=cus_carol').set('Authorization', apiKey)).status).toBe(204);
    expect(w.stripe.paymentIntents.get(second.id)!.status).toBe('canceled');
    expect(succeededCharges()).toHaveLength(0);
  });
});
