import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluate } from '../../src/auto-recharge/evaluate.js';
import { ADMIN_KEY } from '../support/harness.js';
import {
  carolSetting,
  creditsOf,
  getSetting,
  HOUR,
  paymentIntentsOf,
  putSetting,
  seedBalance,
  startWorld,
  waitForCredits,
  type ArWorld,
} from './auto-recharge-helpers.js';

const MIN = 60_000;

describe('auto-recharge when a charge fails', () => {
  let w: ArWorld;
  beforeEach(async () => {
    w = await startWorld();
    seedBalance(w, 'sub_carol', 1); // below the threshold of 10
  });
  afterEach(() => w.stop());

  const service = () => w.services[0]!;
  const check = () => evaluate(service().autoRecharge, 'sub_carol');
  const state = async () => (await getSetting(w, 'customer_id=cus_carol')).body;
  const customer = () => w.stripe.customers.get('cus_carol')!;

  it('3-D Secure: requires_action with the PaymentIntent and its client secret; paused until the customer completes it, then resumes', async () => {
    const body = (await putSetting(w, carolSetting({ payment_method: 'pm_card_authenticationRequired' }))).body;
    expect(body.state).toBe('requires_action');
    const pi = paymentIntentsOf(w, 'cus_carol')[0]!;
    expect(body.pause).toEqual({ reason: 'authentication_required', since: expect.any(String), payment_intent_id: pi.id, client_secret: pi.client_secret });
    expect(body.attempts[0]).toMatchObject({ outcome: 'requires_action', payment_intent_id: pi.id });
    for (let i = 0; i < 3; i++) {
      w.clock.advance(HOUR);
      expect(await check()).toBe('paused');
    }
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(1);

    // The customer authenticates in the browser; Stripe sends payment_intent.succeeded.
    const done = w.stripe.succeed(pi.id);
    const event = w.stripe.makeEvent('payment_intent.succeeded', structuredClone(done));
    const { signEvent } = await import('../../src/simulators/stripe/fake-stripe.js');
    const { WEBHOOK_SECRET } = await import('../support/harness.js');
    const signed = signEvent(event, WEBHOOK_SECRET);
    expect((await w.http.post('/webhooks/stripe').set('Stripe-Signature', signed.signature).set('Content-Type', 'application/json').send(signed.body)).status).toBe(200);
    await waitForCredits(w, 'sub_carol', 1);
    const after = await state();
    expect(after).toMatchObject({ state: 'active', pause: null, charged_this_month: 1000, attempts: [expect.objectContaining({ outcome: 'succeeded' })] });
    expect(creditsOf(w, 'sub_carol')).toEqual([expect.objectContaining({ transaction_id: pi.id, amount: 10 })]);
  });

  it('a hard decline suspends until the card changes (another fingerprint); the same card saved again does not lift it', async () => {
    customer().defaultPaymentMethod = 'pm_card_visa_chargeDeclinedLostCard';
    const body = (await putSetting(w, carolSetting())).body;
    expect(body).toMatchObject({ state: 'suspended', pause: { reason: 'hard_decline:lost_card' }, attempts: [expect.objectContaining({ outcome: 'hard_decline', decline_code: 'lost_card' })] });
    for (let i = 0; i < 3; i++) {
      w.clock.advance(24 * HOUR);
      expect(await check()).toBe('paused');
    }
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(1);
    // The customer saves a new card and makes it the default: the next check resumes and charges.
    customer().defaultPaymentMethod = 'pm_card_mastercard';
    expect(await check()).toBe('charged');
    expect(await state()).toMatchObject({ state: 'active', pause: null });
    expect((await service().store.autoRecharge.history('sub_carol', 5)).map((h) => h.change.action)).toContain('resumed');
  });

  it('advice_code do_not_try_again is a hard decline whatever the decline code', async () => {
    w.stripe.setCardOutcome('pm_card_visa', { kind: 'declined', declineCode: 'generic_decline', adviceCode: 'do_not_try_again', message: 'Your card was declined.', declinedOnAttach: false });
    const body = (await putSetting(w, carolSetting())).body;
    expect(body).toMatchObject({ state: 'suspended', pause: { reason: 'hard_decline:advice_do_not_try_again' } });
  });

  it('soft declines are retried after 1 h, 6 h and 24 h (nothing in between), then suspended; distinct reasons are kept', async () => {
    w.stripe.setCardOutcome('pm_card_visa', { kind: 'declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.', declinedOnAttach: false });
    await putSetting(w, carolSetting({ max_per_day: 24 }));
    const attemptsAt: number[] = [w.clock.t];
    for (const wait of [1 * HOUR, 6 * HOUR, 24 * HOUR]) {
      w.clock.advance(wait - MIN);
      expect(await check()).toBe('retry_later');
      w.clock.advance(MIN);
      expect(await check()).toBe('not_charged');
      attemptsAt.push(w.clock.t);
    }
    const s = await state();
    expect(s).toMatchObject({ state: 'suspended', pause: { reason: 'soft_declines:4' } });
    expect(s.attempts.map((a: { outcome: string; decline_code: string }) => [a.outcome, a.decline_code])).toEqual(Array(4).fill(['soft_decline', 'insufficient_funds']));
    w.clock.advance(48 * HOUR);
    expect(await check()).toBe('paused');
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(4);
  });

  it('Stripe unreachable is retried under the same attempt id (one charge), not counted as a decline', async () => {
    // Creating the PaymentIntent fails (stripe-node's retries too); every other call works.
    let stripeDown = true;
    w.stripe.onRequest((r) => {
      if (stripeDown && r.method === 'POST' && r.path === '/v1/payment_intents') w.stripe.failNext(500);
    });
    const body = (await putSetting(w, carolSetting())).body;
    expect(body.attempts).toEqual([expect.objectContaining({ sequence: 1, outcome: 'stripe_unavailable', reason: 'stripe_unavailable' })]);
    expect(body.state).toBe('active');
    stripeDown = false;
    w.clock.advance(2 * MIN);
    expect(await check()).toBe('charged');
    const attempts = await service().store.autoRecharge.listAttempts('sub_carol', 5);
    expect(attempts.map((a) => [a.sequence, a.outcome])).toEqual([[1, 'succeeded']]);
    const keys = w.stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents').map((r) => r.idempotencyKey);
    expect(new Set(keys)).toEqual(new Set(['auto-recharge-sub_carol-1']));
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(1);
  });

  it('a charge whose process died mid-way is retaken with the same idempotency key: Stripe answers with the first PaymentIntent', async () => {
    await putSetting(w, carolSetting({ enabled: false, consent: undefined }));
    // As if an instance claimed attempt 1, reached Stripe, and was killed before recording the answer.
    const store = service().store.autoRecharge;
    await putSetting(w, carolSetting());
    const [first] = await store.listAttempts('sub_carol', 1);
    expect(first!.outcome).toBe('succeeded');
    await store.finishAttempt(first!.id, { outcome: 'in_flight', reason: null, declineCode: null, paymentIntentId: null, clientSecret: null, retryAt: null }, w.clock.t);
    w.clock.advance(MIN);
    expect(await check()).toBe('in_flight');
    w.clock.advance(5 * MIN);
    expect(await check()).toBe('charged');
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(1);
    await waitForCredits(w, 'sub_carol', 1);
    expect(creditsOf(w, 'sub_carol')).toHaveLength(1);
  });

  it('no usable card and a deleted customer are distinct suspensions; a card saved later lifts the first', async () => {
    customer().defaultPaymentMethod = null;
    customer().paymentMethods = ['pm_card_visa', 'pm_card_mastercard']; // several and no default: none chosen
    expect((await putSetting(w, carolSetting())).body).toMatchObject({ state: 'suspended', pause: { reason: 'no_usable_card' } });
    customer().defaultPaymentMethod = 'pm_card_visa';
    w.clock.advance(MIN);
    expect(await check()).toBe('charged');
    customer().deleted = true;
    w.clock.advance(11 * MIN);
    seedBalance(w, 'sub_carol', -20);
    expect(await check()).toBe('customer_deleted');
    expect((await service().store.autoRecharge.get('sub_carol'))!.pause).toMatchObject({ kind: 'suspended', reason: 'customer_deleted' });
  });

  it('at most 15 attempts per card in 30 days, across subscriptions', async () => {
    const store = service().store.autoRecharge;
    const fingerprint = (await service().autoRecharge.stripe.cardFingerprint('pm_card_visa'))!;
    for (let i = 1; i <= 15; i++) {
      await store.claimAttempt({
        id: `x-${i}`, subscriptionId: 'sub_other', sequence: i, customerId: 'cus_other', amountMinor: 1000, currency: 'usd', pack: null, paymentMethodId: 'pm_card_visa',
        cardFingerprint: fingerprint, outcome: 'soft_decline', reason: 'insufficient_funds', declineCode: 'insufficient_funds', paymentIntentId: null,
        clientSecret: null, balanceMicro: 0, retryAt: null, createdAt: w.clock.t - 29 * 24 * HOUR, updatedAt: w.clock.t,
      });
    }
    expect((await putSetting(w, carolSetting())).body).toMatchObject({ state: 'suspended', pause: { reason: 'card_retry_limit' } });
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(0);
  });

  it('the monthly cap and the per-day limit stop charging with their own reasons; the cap resets next month', async () => {
    await putSetting(w, carolSetting({ monthly_cap: 2000, max_per_day: 1 }));
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(1);
    await waitForCredits(w, 'sub_carol', 1);
    seedBalance(w, 'sub_carol', -10);
    w.clock.advance(20 * MIN);
    expect(await check()).toBe('daily_limit');
    w.clock.advance(24 * HOUR);
    expect(await check()).toBe('charged');
    await waitForCredits(w, 'sub_carol', 2);
    seedBalance(w, 'sub_carol', -10);
    w.clock.advance(24 * HOUR);
    expect(await check()).toBe('cap_reached');
    expect(await state()).toMatchObject({ state: 'cap_reached', charged_this_month: 2000 });
    w.clock.t = Date.UTC(2026, 3, 1, 0, 5); // April
    expect(await check()).toBe('charged');
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(3);
  });

  it('operators list suspended subscriptions and resume one; the attempts are counted by outcome', async () => {
    customer().defaultPaymentMethod = 'pm_card_chargeDeclinedExpiredCard';
    customer().paymentMethods!.push('pm_card_chargeDeclinedExpiredCard');
    await putSetting(w, carolSetting());
    const list = await w.http.get('/admin/auto-recharge?state=suspended').set('Authorization', `Bearer ${ADMIN_KEY}`);
    expect(list.body.subscriptions).toEqual([expect.objectContaining({ subscription_id: 'sub_carol', reason: 'hard_decline:expired_card' })]);
    const resumed = await w.http.post('/admin/auto-recharge/sub_carol/resume').set('Authorization', `Bearer ${ADMIN_KEY}`);
    expect(resumed.body).toEqual({ resumed: 'sub_carol' });
    expect((await w.http.post('/admin/auto-recharge/sub_carol/resume').set('Authorization', `Bearer ${ADMIN_KEY}`)).status).toBe(404);
    expect((await service().store.autoRecharge.get('sub_carol'))!.pause).toBeNull();
    const metrics = await service().metrics.registry.metrics();
    expect(metrics).toMatch(/topup_sync_auto_recharge_attempts_total\{outcome="hard_decline"\} 1/);
  });
});
