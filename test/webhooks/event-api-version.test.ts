import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { BUILT_FOR_API_VERSION, FIELDS_RELIED_ON } from '../../src/webhooks/event-api-version.js';
import { harnessPerTest, topUpPaymentIntent, type Harness } from '../support/harness.js';
import { waitForState } from './webhook-helpers.js';

/**
 * A webhook endpoint renders events in the API version it was created with. An event of another
 * version than the one this service pins is still processed, but logged as a warning naming the
 * fields relied on, and counted (the label says only whether it matched: never the version itself).
 */
const SERIES = 'topup_sync_stripe_event_api_versions_total';

function counted(metricsText: string, matches: 'yes' | 'no'): number {
  const line = metricsText.split('\n').find((l) => l.startsWith(`${SERIES}{matches="${matches}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

function warnings(h: Harness): Record<string, unknown>[] {
  return h.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 40 && String(l.msg).includes('API version'));
}

describe('events of another Stripe API version', () => {
  const harness = harnessPerTest();

  it('the service is built for the version stripe-node pins, which the simulators send', () => {
    expect(BUILT_FOR_API_VERSION).toBe(Stripe.API_VERSION);
  });

  it('the fields named as relied on cover every handled object, the Checkout Session included', () => {
    expect(FIELDS_RELIED_ON).toEqual([
      'payment_intent.{id,status,amount,amount_received,currency,customer,client_secret,metadata}',
      'refund.{id,amount,currency,status,payment_intent}',
      'dispute.{id,amount,currency,status,payment_intent,balance_transactions}',
      'checkout.session.{id,mode,payment_status,customer,payment_intent,amount_total,currency,metadata}',
    ]);
  });

  it('an event of the pinned version: processed, counted as matching, no warning', async () => {
    const h = await harness({ LOG_LEVEL: 'warn', HOST: '127.0.0.1' });
    const pi = topUpPaymentIntent();
    const event = h.stripe.makeEvent('payment_intent.succeeded', pi);
    expect(event.api_version).toBe(Stripe.API_VERSION);
    expect((await h.postEvent(event)).body.outcome).toBe('queued');
    const metrics = (await h.http.get('/metrics')).text;
    expect(counted(metrics, 'yes')).toBe(1);
    expect(counted(metrics, 'no')).toBe(0);
    expect(warnings(h)).toEqual([]);
  });

  it.each([
    ['an older version', '2024-06-20', '2024-06-20'],
    ['no version at all', null, null],
    ['an absurdly long version string (cut in the log)', `2099-01-01.${'x'.repeat(200)}`, `2099-01-01.${'x'.repeat(29)}`],
  ])('an event with %s: still credited, a warning names the fields relied on, counted as not matching', async (_name, version, logged) => {
    const h = await harness({ LOG_LEVEL: 'warn', HOST: '127.0.0.1' });
    const pi = topUpPaymentIntent();
    const event = { ...h.stripe.makeEvent('payment_intent.succeeded', pi), api_version: version } as Stripe.Event;
    expect((await h.postEvent(event)).body.outcome).toBe('queued');
    await waitForState(h, pi.id, 'delivered');
    expect(warnings(h)).toEqual([
      expect.objectContaining({
        eventId: event.id,
        eventType: 'payment_intent.succeeded',
        eventApiVersion: logged,
        builtForApiVersion: Stripe.API_VERSION,
        fieldsReliedOn: FIELDS_RELIED_ON,
      }),
    ]);
    const metrics = (await h.http.get('/metrics')).text;
    expect(counted(metrics, 'no')).toBe(1);
    expect(metrics).not.toContain('2024-06-20');
    expect(metrics).not.toContain('xxxx');
  });

  it('an event found by reconciliation is checked the same way', async () => {
    const h = await harness({ LOG_LEVEL: 'warn', HOST: '127.0.0.1' });
    const pi = topUpPaymentIntent();
    const event = h.stripe.makeEvent('payment_intent.succeeded', pi);
    Object.assign(event, { api_version: '2023-10-16' });
    const result = await h.service.reconcileNow(Math.floor(Date.now() / 1000) - 60);
    expect(result.queued).toBe(1);
    expect(warnings(h).map((w) => w.eventApiVersion)).toEqual(['2023-10-16']);
  });
});
