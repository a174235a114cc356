import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluate } from '../../src/auto-recharge/evaluate.js';
import { signEvent } from '../../src/simulators/stripe/fake-stripe.js';
import { waitFor, WEBHOOK_SECRET } from '../support/harness.js';
import { EVENT_SECRET, EventReceiver } from '../outgoing-events/event-receiver.js';
import { apiKey, carolSetting, HOUR, paymentIntentsOf, putSetting, seedBalance, startWorld, waitForCredits, type ArWorld } from './auto-recharge-helpers.js';

/**
 * auto_recharge.* events reach the user's app signed (verified here with the standardwebhooks
 * package), one event id per state change, written with the attempt's state in one transaction.
 */
describe('auto-recharge outgoing events', () => {
  let w: ArWorld;
  let receiver: EventReceiver;
  beforeEach(async () => {
    receiver = await new EventReceiver().start();
    w = await startWorld({ env: { EVENT_WEBHOOK_URLS: receiver.hookUrl, EVENT_WEBHOOK_SECRET: EVENT_SECRET } });
    seedBalance(w, 'sub_carol', 1);
  });
  afterEach(async () => {
    await w.stop();
    await receiver.stop();
  });

  /**
   * Delivers what is queued. The receiver's standardwebhooks verification accepts a signature
   * timestamp within 5 minutes of the real time, and the service signs with its own clock: the
   * test clock is brought to the real time before the worker starts.
   */
  const deliverQueued = () => {
    w.clock.t = Math.max(w.clock.t, Date.now());
    w.services[0]!.eventWorker!.start();
  };
  const customer = () => w.stripe.customers.get('cus_carol')!;
  const check = () => evaluate(w.services[0]!.autoRecharge, 'sub_carol');
  const storedEvents = async (type: string) => (await w.services[0]!.store.eventsOut.list({ limit: 100 })).filter((e) => e.type === type);

  it('succeeded: money as minor units + currency and as credits; its credit follows as credit.delivered', async () => {
    await putSetting(w, carolSetting());
    const [pi] = paymentIntentsOf(w, 'cus_carol');
    await waitForCredits(w, 'sub_carol', 1);
    // The PaymentIntent says it was an auto-recharge, so its credit shows as one in the history.
    expect(pi!.metadata).toMatchObject({ topup_sync_origin: 'auto-recharge' });
    const ledger = await w.http.get('/ledger').query({ customer_id: 'cus_carol' }).set('Authorization', apiKey);
    expect(ledger.body.data).toEqual([expect.objectContaining({ id: pi!.id, source: 'auto-recharge', amount: 1000 })]);
    deliverQueued();
    await waitFor(async () => receiver.ofType('auto_recharge.succeeded').length === 1 && receiver.ofType('credit.delivered').length === 1, 5_000, 'events');
    expect(receiver.badSignatures).toBe(0);
    expect(receiver.ofType('auto_recharge.succeeded')[0]!.data).toEqual({
      customer_id: 'cus_carol',
      subscription_id: 'sub_carol',
      attempt_id: 'auto-recharge-sub_carol-1',
      outcome: 'succeeded',
      reason: null,
      decline_code: null,
      payment_intent_id: pi!.id,
      amount: 1000,
      currency: 'usd',
      credits: 10,
      pack: null,
      next_retry_at: null,
    });
  });

  it('requires_action, then the customer completes it: requires_action and succeeded, each once', async () => {
    customer().defaultPaymentMethod = 'pm_card_authenticationRequired';
    await putSetting(w, carolSetting());
    const [pi] = paymentIntentsOf(w, 'cus_carol');
    expect((await storedEvents('auto_recharge.requires_action')).map((e) => JSON.parse(e.payload).data)).toEqual([
      expect.objectContaining({ outcome: 'requires_action', reason: 'authentication_required', payment_intent_id: pi!.id }),
    ]);
    // Stripe delivers payment_intent.succeeded twice: one state change, one event.
    const event = w.stripe.makeEvent('payment_intent.succeeded', structuredClone(w.stripe.succeed(pi!.id)));
    const signed = signEvent(event, WEBHOOK_SECRET);
    for (let i = 0; i < 2; i++) {
      const res = await w.http.post('/webhooks/stripe').set('Stripe-Signature', signed.signature).set('Content-Type', 'application/json').send(signed.body);
      expect(res.status).toBe(200);
    }
    deliverQueued();
    await waitFor(async () => receiver.ofType('auto_recharge.requires_action').length === 1 && receiver.ofType('auto_recharge.succeeded').length === 1, 5_000, 'requires_action, succeeded');
    expect(await storedEvents('auto_recharge.succeeded')).toHaveLength(1);
    expect(receiver.ofType('auto_recharge.succeeded')[0]!.data).toMatchObject({ outcome: 'succeeded', payment_intent_id: pi!.id, amount: 1000, credits: 10 });
  });

  it('soft declines: failed with the next retry each time, then suspended once; every event id distinct', async () => {
    w.stripe.setCardOutcome('pm_card_visa', { kind: 'declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.', declinedOnAttach: false });
    await putSetting(w, carolSetting({ max_per_day: 24 }));
    for (const wait of [1, 6, 24]) {
      w.clock.advance(wait * HOUR);
      expect(await check()).toBe('not_charged');
    }
    w.clock.advance(48 * HOUR);
    expect(await check()).toBe('paused');
    deliverQueued();
    await waitFor(async () => receiver.ofType('auto_recharge.failed').length === 4 && receiver.ofType('auto_recharge.suspended').length === 1, 5_000, 'failed ×4, suspended');
    const failed = receiver.ofType('auto_recharge.failed');
    expect(failed.map((e) => [e.data.reason, e.data.next_retry_at === null])).toEqual([
      ['insufficient_funds', false],
      ['insufficient_funds', false],
      ['insufficient_funds', false],
      ['insufficient_funds', true],
    ]);
    expect(receiver.ofType('auto_recharge.suspended')[0]!.data).toMatchObject({ subscription_id: 'sub_carol', reason: 'soft_declines:4', attempt_id: 'auto-recharge-sub_carol-4' });
    expect(new Set(receiver.accepted.map((e) => e.id)).size).toBe(receiver.accepted.length);
    expect(receiver.badSignatures).toBe(0);
  });
});
