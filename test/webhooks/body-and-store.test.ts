import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signEvent } from '../../src/simulators/stripe/fake-stripe.js';
import { startHarness, topUpPaymentIntent, WEBHOOK_SECRET, type Harness } from '../support/harness.js';
import { expectErrorShape, expectNothingQueuedOrSent, postRaw, settle, succeededEvent, waitForState } from './webhook-helpers.js';

const ONE_MB = 1024 * 1024;

describe('webhook body handling', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  it.each([
    ['truncated JSON', '{"id":"evt_truncated","object":"event","type":"payment_intent.succeeded",'],
    ['not JSON at all', 'hello stripe'],
    ['JSON with a trailing comma', '{"id":"evt_comma","type":"customer.created",}'],
    ['JSON null', 'null'],
    ['an empty object', '{}'],
    ['an event without a type', '{"id":"evt_x","object":"event","created":1,"data":{"object":{}}}'],
    ['an event without data.object', '{"id":"evt_x","object":"event","type":"customer.created","created":1,"data":{}}'],
  ])('correctly signed but malformed (%s) → 400 in the one error shape, nothing stored', async (_name, text) => {
    const { body, signature } = signEvent(text, WEBHOOK_SECRET);
    const res = await postRaw(h, body, signature);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: expect.any(String), message: expect.any(String), request_id: res.headers['x-request-id'] } });
    // The signature verified, so the error must say the body is the problem, not the signature.
    expect(res.body.error.code).toBe('invalid_json');
    expect(res.text).not.toContain('whsec');
    expect(res.text).not.toMatch(/SyntaxError|Unexpected token|JSON\.parse/);
    await settle(60);
    await expectNothingQueuedOrSent(h);
  });

  it('empty body with a signature header → 400 invalid_signature', async () => {
    const res = await postRaw(h, '', signEvent('{}', WEBHOOK_SECRET).signature);
    expectErrorShape(res, 400, 'invalid_signature');
    await expectNothingQueuedOrSent(h);
  });

  it('body over 1 MB → 413 payload_too_large, nothing stored', async () => {
    const pi = topUpPaymentIntent({ metadata: { topup_sync: 'v1', moesif_company_id: 'cus_alice', moesif_subscription_id: 'sub_alice', padding: 'x'.repeat(ONE_MB + 10) } });
    const event = succeededEvent(h, pi);
    const { body, signature } = signEvent(event, WEBHOOK_SECRET);
    expect(Buffer.byteLength(body)).toBeGreaterThan(ONE_MB);
    const res = await postRaw(h, body, signature);
    expectErrorShape(res, 413, 'payload_too_large');
    expect(await h.service.store.events.get(event.id)).toBeNull();
    await settle(60);
    await expectNothingQueuedOrSent(h);
  });

  it('body over 1 MB without any signature → 400 invalid_signature (the header is checked before the body is read)', async () => {
    const res = await postRaw(h, `{"pad":"${'y'.repeat(ONE_MB + 10)}"}`, undefined);
    expectErrorShape(res, 400, 'invalid_signature');
    expect(res.headers.connection).toBe('close');
  });

  it('a signed event just under 1 MB is accepted and its raw payload stored verbatim', async () => {
    // Stripe caps metadata values at 500 characters; a long description is where such size would be.
    const pi = topUpPaymentIntent({ description: 'z'.repeat(900_000) });
    const event = succeededEvent(h, pi);
    const { body, signature } = signEvent(event, WEBHOOK_SECRET);
    expect(Buffer.byteLength(body)).toBeLessThan(ONE_MB);
    const res = await postRaw(h, body, signature);
    expect(res.status).toBe(200);
    const stored = await h.service.store.events.get(event.id);
    expect(stored?.payload).toBe(body);
    await waitForState(h, pi.id, 'delivered');
  });

  it('verifies the raw bytes whatever the Content-Type (text/plain here)', async () => {
    const pi = topUpPaymentIntent();
    const event = succeededEvent(h, pi);
    const { body, signature } = signEvent(event, WEBHOOK_SECRET);
    const res = await h.http.post('/webhooks/stripe').set('Content-Type', 'text/plain').set('Stripe-Signature', signature).send(body);
    expect(res.status).toBe(200);
    expect((await h.service.store.events.get(event.id))?.payload).toBe(body);
  });

  it('keeps non-ASCII bytes intact: the stored payload is the exact signed UTF-8 text', async () => {
    const pi = topUpPaymentIntent({ description: 'Crédit ¥ ✓ 💳' } as never);
    const event = succeededEvent(h, pi);
    const { body, signature } = signEvent(event, WEBHOOK_SECRET);
    // A string, not a Buffer: superagent JSON-encodes Buffers when Content-Type is application/json.
    const res = await postRaw(h, body, signature);
    expect(res.status).toBe(200);
    expect((await h.service.store.events.get(event.id))?.payload).toBe(body);
  });
});

describe('thin events (Event Destinations)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  it('a verified thin event is answered 200 and ignored (Stripe would retry a 4xx for days); a forged one is 400', async () => {
    const thin = JSON.stringify({
      id: 'evt_thin_1',
      object: 'v2.core.event',
      type: 'v1.payment_intent.succeeded',
      created: '2026-11-24T06:00:00.000Z',
      related_object: { id: 'pi_123', type: 'payment_intent', url: '/v1/payment_intents/pi_123' },
    });
    const { body, signature } = signEvent(thin, WEBHOOK_SECRET);
    const res = await postRaw(h, body, signature);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, outcome: 'ignored' });
    const forged = signEvent(thin, 'whsec_not_ours');
    expect((await postRaw(h, forged.body, forged.signature)).status).toBe(400);
    await settle(60);
    await expectNothingQueuedOrSent(h);
  });
});

describe('store unavailable', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    // Must still work after the store was closed by the test.
    await h.stop();
  });

  it('a valid event while the store is closed → 503 store_unavailable (Stripe retries), nothing sent to Moesif', async () => {
    await h.service.store.close();
    const event = succeededEvent(h, topUpPaymentIntent());
    const res = await h.postEvent(event);
    expectErrorShape(res, 503, 'store_unavailable');
    expect(res.text).not.toMatch(/database connection|sqlite|better-sqlite3/i);
    await settle(60);
    expect(h.moesif.requests).toEqual([]);
  });

  it('the signature is still checked first: a bad signature is 400, not 503', async () => {
    await h.service.store.close();
    const event = succeededEvent(h, topUpPaymentIntent());
    const res = await h.postEvent(event, 'whsec_wrong');
    expectErrorShape(res, 400, 'invalid_signature');
  });

  it('closing an already closed store does not throw, and stop() afterwards succeeds', async () => {
    await h.service.store.close();
    await expect(h.service.store.close()).resolves.toBeUndefined();
    await expect(h.service.close()).resolves.toBeUndefined();
  });
});
