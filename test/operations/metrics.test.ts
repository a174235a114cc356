import { describe, expect, it } from 'vitest';
import { signEvent } from '../../src/simulators/stripe/fake-stripe.js';
import { harnessPerTest, topUpPaymentIntent, waitFor, type Harness } from '../support/harness.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition into samples (label order does not matter). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of one series, or undefined when it is absent. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter(
    (s) => s.name === name && Object.keys(labels).length === Object.keys(s.labels).length && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} is ambiguous`);
  return found[0]?.value;
}

async function scrape(h: Harness): Promise<Sample[]> {
  const res = await h.http.get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(res.text);
}

const WEBHOOKS = 'topup_sync_webhooks_received_total';

describe('GET /metrics (Prometheus)', () => {
  const start = harnessPerTest();
  // /metrics on the main port (loopback), the outbox gauge read at every scrape.
  const harness = (env: Record<string, string> = {}) => start({ HOST: '127.0.0.1', METRICS_OUTBOX_REFRESH_SECONDS: '0', ...env });

  it('counts webhooks by type and outcome: queued, duplicate, bad_signature; outbox gauge and delivery attempts', async () => {
    const h = await harness();
    const before = await scrape(h);
    expect(valueOf(before, WEBHOOKS, { type: 'payment_intent.succeeded', outcome: 'queued' })).toBeUndefined();
    expect(valueOf(before, 'topup_sync_outbox_entries', { state: 'delivered' })).toBe(0);
    expect(before.some((s) => s.name === 'topup_sync_process_cpu_user_seconds_total')).toBe(true); // default metrics, prefixed

    const pi = topUpPaymentIntent();
    const event = h.stripe.makeEvent('payment_intent.succeeded', pi);
    expect((await h.postEvent(event)).status).toBe(200);
    await waitFor(async () => (await h.service.store.outbox.get(pi.id))?.state === 'delivered', 5_000, 'the credit delivered');

    const one = await scrape(h);
    expect(valueOf(one, WEBHOOKS, { type: 'payment_intent.succeeded', outcome: 'queued' })).toBe(1);
    expect(valueOf(one, 'topup_sync_outbox_entries', { state: 'delivered' })).toBe(1);
    expect(valueOf(one, 'topup_sync_outbox_entries', { state: 'pending' })).toBe(0);
    expect(valueOf(one, 'topup_sync_delivery_attempts_total', { result: 'delivered' })).toBe(1);
    expect(valueOf(one, 'topup_sync_moesif_responses_total', { status_class: '2xx' })).toBe(1);
    expect(valueOf(one, 'topup_sync_delivery_duration_seconds_count')).toBe(1);
    expect(valueOf(one, 'topup_sync_credit_lag_seconds_count')).toBe(1);

    // Stripe redelivers the same event.
    const again = await h.postEvent(event);
    expect(again.body.outcome).toBe('duplicate');
    // A forged one.
    const forged = await h.postEvent(h.stripe.makeEvent('payment_intent.succeeded', topUpPaymentIntent()), 'whsec_wrong_secret');
    expect(forged.status).toBe(400);
    // No signature at all.
    const unsigned = await h.http.post('/webhooks/stripe').set('Content-Type', 'application/json').send('{}');
    expect(unsigned.status).toBe(400);
    // An unhandled type is ignored.
    expect((await h.postEvent(h.stripe.makeEvent('customer.created', { id: 'cus_z', object: 'customer' }))).body.outcome).toBe('ignored');

    const after = await scrape(h);
    expect(valueOf(after, WEBHOOKS, { type: 'payment_intent.succeeded', outcome: 'queued' })).toBe(1);
    expect(valueOf(after, WEBHOOKS, { type: 'payment_intent.succeeded', outcome: 'duplicate' })).toBe(1);
    expect(valueOf(after, WEBHOOKS, { type: 'unknown', outcome: 'bad_signature' })).toBe(2);
    // Types outside the handled list share one label: no caller can create new series.
    expect(valueOf(after, WEBHOOKS, { type: 'other', outcome: 'ignored' })).toBe(1);
    expect(valueOf(after, WEBHOOKS, { type: 'customer.created', outcome: 'ignored' })).toBeUndefined();
    expect(valueOf(after, 'topup_sync_delivery_attempts_total', { result: 'delivered' })).toBe(1);
    expect(valueOf(after, 'topup_sync_outbox_entries', { state: 'delivered' })).toBe(1);
  });

  it('counts a signed body that is not an event as invalid_payload', async () => {
    const h = await harness();
    const { body, signature } = signEvent('{"not":"an event"}', h.config.stripe.webhookSecrets[0]!);
    const res = await h.http.post('/webhooks/stripe').set('Stripe-Signature', signature).set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(400);
    expect(valueOf(await scrape(h), WEBHOOKS, { type: 'unknown', outcome: 'invalid_payload' })).toBe(1);
  });

  it('a Moesif 500 counts a 5xx response and a retry, then the delivery', async () => {
    const h = await harness();
    h.moesif.respondWith(500);
    const pi = topUpPaymentIntent();
    expect((await h.postEvent(h.stripe.makeEvent('payment_intent.succeeded', pi))).status).toBe(200);
    await waitFor(async () => (await h.service.store.outbox.get(pi.id))?.state === 'delivered', 5_000, 'the credit delivered after a retry');

    const s = await scrape(h);
    expect(valueOf(s, 'topup_sync_moesif_responses_total', { status_class: '5xx' })).toBe(1);
    expect(valueOf(s, 'topup_sync_moesif_responses_total', { status_class: '2xx' })).toBe(1);
    expect(valueOf(s, 'topup_sync_delivery_attempts_total', { result: 'retry' })).toBe(1);
    expect(valueOf(s, 'topup_sync_delivery_attempts_total', { result: 'delivered' })).toBe(1);
    expect(valueOf(s, 'topup_sync_delivery_duration_seconds_count')).toBe(2);
  });

  it('a Moesif 400 counts a 4xx response, a dead attempt and a dead entry', async () => {
    const h = await harness();
    h.moesif.respondWith(400);
    const pi = topUpPaymentIntent();
    expect((await h.postEvent(h.stripe.makeEvent('payment_intent.succeeded', pi))).status).toBe(200);
    await waitFor(async () => (await h.service.store.outbox.get(pi.id))?.state === 'dead', 5_000, 'the credit dead');
    const s = await scrape(h);
    expect(valueOf(s, 'topup_sync_moesif_responses_total', { status_class: '4xx' })).toBe(1);
    expect(valueOf(s, 'topup_sync_delivery_attempts_total', { result: 'dead' })).toBe(1);
    expect(valueOf(s, 'topup_sync_outbox_entries', { state: 'dead' })).toBe(1);
  });

  it('counts top-ups by outcome: succeeded, card_declined', async () => {
    const h = await harness();
    const ok = await h.topUp({ customer_id: 'cus_alice', amount: 1000, currency: 'usd' });
    expect(ok.status).toBe(201);
    expect(ok.body.status).toBe('succeeded');
    const declined = await h.topUp({ customer_id: 'cus_alice', amount: 1000, currency: 'usd', payment_method: 'pm_card_chargeDeclined' });
    expect(declined.status).toBe(402);
    expect(declined.body.error.code).toBe('card_declined');

    const s = await scrape(h);
    expect(valueOf(s, 'topup_sync_top_ups_total', { outcome: 'succeeded' })).toBe(1);
    expect(valueOf(s, 'topup_sync_top_ups_total', { outcome: 'card_declined' })).toBe(1);
  });

  it('counts reconciliation runs and the events they found', async () => {
    const h = await harness();
    h.stripe.makeEvent('payment_intent.succeeded', topUpPaymentIntent());
    await h.service.reconcileNow(Math.floor(Date.now() / 1000) - 600);
    await h.service.reconcileNow(Math.floor(Date.now() / 1000) - 600);
    const s = await scrape(h);
    expect(valueOf(s, 'topup_sync_reconcile_runs_total', { result: 'ok' })).toBe(2);
    expect(valueOf(s, 'topup_sync_reconcile_events_total', { outcome: 'queued' })).toBe(1);
    expect(valueOf(s, 'topup_sync_reconcile_events_total', { outcome: 'duplicate' })).toBe(1);
  });

  it('with METRICS_BEARER_TOKEN, /metrics needs that token', async () => {
    const token = 'metrics-token-0123456789';
    const h = await harness({ METRICS_BEARER_TOKEN: token });
    expect((await h.http.get('/metrics')).status).toBe(401);
    expect((await h.http.get('/metrics').set('Authorization', 'Bearer not-the-token')).status).toBe(401);
    expect((await h.http.get('/metrics').set('Authorization', `Basic ${token}`)).status).toBe(401);
    const ok = await h.http.get('/metrics').set('Authorization', `Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('# TYPE topup_sync_webhooks_received_total counter');
  });

  it('two services in one process keep separate numbers', async () => {
    const a = await harness();
    const b = await harness();
    expect((await a.postEvent(a.stripe.makeEvent('payment_intent.succeeded', topUpPaymentIntent()))).status).toBe(200);
    expect(valueOf(await scrape(a), WEBHOOKS, { type: 'payment_intent.succeeded', outcome: 'queued' })).toBe(1);
    expect(valueOf(await scrape(b), WEBHOOKS, { type: 'payment_intent.succeeded', outcome: 'queued' })).toBeUndefined();
  });
});
