import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signEvent } from '../../src/simulators/stripe/fake-stripe.js';
import {
  ALICE,
  API_KEY,
  BOB,
  MOESIF_KEY,
  WEBHOOK_SECRET,
  startHarness,
  topUpPaymentIntent,
  waitFor,
  type Harness,
} from '../support/harness.js';

const STRIPE_SECRET_KEY = 'sk_test_fake';
const CUSTOM_REQUEST_ID = 'trace-logging-test-0001';

type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/**
 * Sample defect 11: the public sample logged whole payment-method objects, and credentials can
 * leak through logs. Drive every path once (top-ups of each flow, a card needing 3-D Secure, a
 * customer whose card must be looked up, webhooks good and bad, deliveries with retries), then
 * read everything that was logged at debug level.
 */
describe('defect 11: logs carry no secrets and no payment-method objects', () => {
  let h: Harness;
  const clientSecrets: string[] = [];
  const signatures: string[] = [];
  const requestIds: string[] = [];
  let lines: LogLine[] = [];

  beforeAll(async () => {
    h = await startHarness({
      customers: [
        ALICE,
        BOB,
        // No default card: the service must list the customer's payment methods (the sample logged them whole).
        { id: 'cus_carol', defaultPaymentMethod: null, paymentMethods: ['pm_card_visa'], subscriptions: [{ id: 'sub_carol', status: 'active' }] },
      ],
    });
    h.moesif.respondWith(500, 'reset'); // make the outbox log its failures too

    const offSession = await h.topUp({ amount: 1000, currency: 'usd', customer_id: 'cus_alice' }).set('X-Request-Id', CUSTOM_REQUEST_ID);
    expect(offSession.status).toBe(201);
    requestIds.push(offSession.headers['x-request-id'] as string);

    const lookedUp = await h.topUp({ amount: 2000, currency: 'usd', customer_id: 'cus_carol' });
    expect(lookedUp.status).toBe(201);
    requestIds.push(lookedUp.headers['x-request-id'] as string);

    const onSession = await h.topUp({ amount: 1500, currency: 'usd', customer_id: 'cus_bob', flow: 'on_session' });
    expect(onSession.status).toBe(201);
    expect(typeof onSession.body.client_secret).toBe('string');
    clientSecrets.push(onSession.body.client_secret as string);
    requestIds.push(onSession.headers['x-request-id'] as string);

    const needs3ds = await h.topUp({ amount: 1000, currency: 'usd', customer_id: 'cus_alice', payment_method: 'pm_card_authenticationRequired' });
    expect(needs3ds.status).toBeGreaterThanOrEqual(400);
    if (typeof needs3ds.body?.error?.client_secret === 'string') clientSecrets.push(needs3ds.body.error.client_secret as string);
    requestIds.push(needs3ds.headers['x-request-id'] as string);

    const declined = await h.topUp({ amount: 1000, currency: 'usd', customer_id: 'cus_alice', payment_method: 'pm_card_chargeDeclined' });
    expect(declined.status).toBeGreaterThanOrEqual(400);

    const unauthorized = await h.http.post('/top-up').set('Authorization', `Bearer ${API_KEY}-wrong`).send({ amount: 1000, currency: 'usd', customer_id: 'cus_alice' });
    expect(unauthorized.status).toBe(401);

    // Webhooks: a good one (its PaymentIntent carries a client_secret), then one with a wrong signature.
    const pi = topUpPaymentIntent({ amount: 3000, amount_received: 3000 });
    clientSecrets.push(pi.client_secret as string);
    const event = h.stripe.makeEvent('payment_intent.succeeded', pi);
    const signed = signEvent(event, WEBHOOK_SECRET);
    signatures.push(signed.signature);
    const hook = await h.http.post('/webhooks/stripe').set('Stripe-Signature', signed.signature).set('Content-Type', 'application/json').send(signed.body);
    expect(hook.status).toBe(200);
    requestIds.push(hook.headers['x-request-id'] as string);
    const forged = signEvent(event, 'whsec_not_ours');
    signatures.push(forged.signature);
    const bad = await h.http.post('/webhooks/stripe').set('Stripe-Signature', forged.signature).set('Content-Type', 'application/json').send(forged.body);
    expect(bad.status).toBe(400);

    for (const p of h.stripe.paymentIntents.values()) if (p.client_secret) clientSecrets.push(p.client_secret);

    // Every credit delivered (through a 500 and a reset).
    await waitFor(async () => (await h.service.store.outbox.countByState()).delivered === 3, 10_000, 'three credits delivered');
    lines = h.logs.lines.flatMap((chunk) => chunk.split('\n').filter((l) => l.trim().length > 0)).map((l) => JSON.parse(l) as LogLine);
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('something was logged at all (the capture works)', () => {
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.some((l) => l.msg === 'ledger entry delivered to Moesif')).toBe(true);
    expect(lines.some((l) => l.msg === 'ledger entry delivery failed: will retry')).toBe(true);
  });

  it.each([
    ['the /top-up API key', API_KEY],
    ['the Stripe secret key', STRIPE_SECRET_KEY],
    ['the webhook signing secret', WEBHOOK_SECRET],
    ['the Moesif management key', MOESIF_KEY],
  ])('never logs %s', (_what, secret) => {
    expect(h.logs.text).not.toContain(secret);
  });

  it('never logs a PaymentIntent client_secret', () => {
    expect(clientSecrets.length).toBeGreaterThanOrEqual(3);
    for (const secret of clientSecrets) expect(h.logs.text).not.toContain(secret);
    expect(h.logs.text).not.toMatch(/pi_[A-Za-z0-9]+_secret_/);
  });

  it('never logs a Stripe-Signature header value', () => {
    for (const signature of signatures) {
      const v1 = /v1=([0-9a-f]+)/.exec(signature)?.[1];
      expect(v1).toBeDefined();
      expect(h.logs.text).not.toContain(v1!);
    }
  });

  it('never logs a whole payment-method (or customer, or PaymentIntent) object', () => {
    expect(h.logs.text).not.toMatch(/"object"\s*:\s*"payment_method"/);
    expect(h.logs.text).not.toMatch(/"object"\s*:\s*"customer"/);
    expect(h.logs.text).not.toMatch(/"object"\s*:\s*"payment_intent"/);
    expect(h.logs.text).not.toMatch(/"object"\s*:\s*"list"/);
    expect(h.logs.text).not.toMatch(/"card"\s*:\s*\{/);
  });

  it('no Authorization header values in logs, redacted or not', () => {
    expect(h.logs.text).not.toMatch(/Bearer\s+[A-Za-z0-9]/);
  });

  it('request log lines carry requestId (and a caller-supplied X-Request-Id is kept)', () => {
    const requestLines = lines.filter((l) => ['request handled', 'request failed', 'stripe event recorded', 'top-up payment intent created'].includes(l.msg ?? ''));
    expect(requestLines.length).toBeGreaterThanOrEqual(8);
    for (const line of requestLines) expect(typeof line.requestId).toBe('string');

    expect(requestIds[0]).toBe(CUSTOM_REQUEST_ID);
    for (const id of requestIds) {
      expect(id).toBeTruthy();
      expect(lines.some((l) => l.requestId === id && l.msg === 'request handled')).toBe(true);
    }
    const created = lines.filter((l) => l.msg === 'top-up payment intent created');
    expect(created.map((l) => l.requestId)).toContain(CUSTOM_REQUEST_ID);
    const recorded = lines.find((l) => l.msg === 'stripe event recorded');
    expect(recorded?.requestId).toBe(requestIds[4]);
  });

  it('every line is JSON with a level, a time and a constant message', () => {
    for (const line of lines) {
      expect(typeof line.level).toBe('number');
      expect(typeof line.time).toBe('number');
      expect(typeof line.msg).toBe('string');
    }
  });
});
