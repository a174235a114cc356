import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signEvent } from '../../src/simulators/stripe/fake-stripe.js';
import { createStripeClient } from '../../src/stripe/stripe-client.js';
import { StripeGateway } from '../../src/stripe/stripe-gateway.js';
import { WebhookSignatureError } from '../../src/stripe/stripe-errors.js';
import { startHarness, topUpPaymentIntent, WEBHOOK_SECRET, type Harness } from '../support/harness.js';
import { expectErrorShape, expectNothingQueuedOrSent, nowSeconds, postRaw, v1Signature } from '../webhooks/webhook-helpers.js';

/**
 * Issue 8, item 1: stripe-node throws a plain Error (not a signature error) for a `v1` entry it
 * cannot compare, and the service used to read that as "signed, bad body": an unsigned thin body
 * was answered 200 and its `type` became a Prometheus label. Every such request must be a 400
 * invalid_signature that stores, counts and logs nothing of the attacker's.
 */
const ATTACKER_TYPE = 'anything.the.attacker.wants';
const HUGE_TYPE = `x.${'y'.repeat(20_000)}`;
const HEX = 'a'.repeat(64);

const thinBody = (type: string) => JSON.stringify({ object: 'v2.core.event', id: 'evt_attacker', type });
const snapshotBody = (type: string) =>
  JSON.stringify({ id: 'evt_attacker', object: 'event', type, created: nowSeconds(), livemode: false, data: { object: topUpPaymentIntent() } });

const headers: [string, () => string][] = [
  ['t=1,v1= (the reported bypass)', () => 't=1,v1='],
  ['a fresh t and an empty v1=', () => `t=${nowSeconds()},v1=`],
  ['a bare v1 (no "=")', () => `t=${nowSeconds()},v1`],
  ['several v1 entries, none valid (empty, bare, garbage)', () => `t=${nowSeconds()},v1=,v1,v1=${HEX}`],
  ['a valid-looking v1 and a bare one', () => `t=${nowSeconds()},v1=${HEX},v1`],
  ['no t at all', () => `v1=${HEX}`],
  ['an empty t', () => `t=,v1=${HEX}`],
  ['a huge t', () => `t=99999999999999999999999,v1=${HEX}`],
  ['a negative t', () => `t=-1,v1=${HEX}`],
  ['two t entries', () => `t=${nowSeconds()},t=${nowSeconds()},v1=${HEX}`],
  ['a header of 4 KB', () => `t=${nowSeconds()},${`v1=${HEX},`.repeat(60)}v1=${HEX}`],
];

describe('issue 8 #1: webhook signature bypass', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { HOST: '127.0.0.1' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  const bodies: [string, string][] = [
    ['an unsigned thin body', thinBody(ATTACKER_TYPE)],
    ['an unsigned thin body with a 20 KB type', thinBody(HUGE_TYPE)],
    ['an unsigned snapshot body', snapshotBody(ATTACKER_TYPE)],
  ];

  describe.each(bodies)('%s', (_what, body) => {
    it.each(headers)('with %s → 400 invalid_signature, nothing stored', async (_name, header) => {
      const res = await postRaw(h, body, header());
      expectErrorShape(res, 400, 'invalid_signature');
      expect(await h.service.store.events.get('evt_attacker')).toBeNull();
      await expectNothingQueuedOrSent(h);
    });
  });

  it('a far-future t, even with a correct HMAC for it, is refused (it would stay replayable until then)', async () => {
    const body = snapshotBody('payment_intent.succeeded');
    const t = nowSeconds() + 10 * 365 * 86_400;
    const res = await postRaw(h, body, `t=${t},v1=${v1Signature(body, WEBHOOK_SECRET, t)}`);
    expectErrorShape(res, 400, 'invalid_signature');
    expect(await h.service.store.events.get('evt_attacker')).toBeNull();
  });

  it("nothing of the attacker's reached /metrics or the log", async () => {
    const metrics = await h.http.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).not.toContain('attacker');
    expect(metrics.text).not.toContain('yyyy');
    expect(metrics.text).toMatch(/topup_sync_webhooks_received_total\{type="unknown",outcome="bad_signature"\} \d+/);
    const typeLabels = [...metrics.text.matchAll(/webhooks_received_total\{type="([^"]*)"/g)].map((m) => m[1]);
    expect(new Set(typeLabels)).toEqual(new Set(['unknown']));
    expect(h.logs.text).not.toContain('attacker');
    expect(h.logs.text).not.toContain('yyyy');
  });

  it('the verifier itself refuses `v1=` headers (not only the route\'s header pre-check)', () => {
    const gateway = new StripeGateway(createStripeClient({ secretKey: 'sk_test_x' }), [WEBHOOK_SECRET], 300);
    for (const header of ['t=1,v1=', `t=${nowSeconds()},v1=`, `t=${nowSeconds()},v1`, `t=${nowSeconds()},v1=,v1`]) {
      expect(() => gateway.verifyEvent(Buffer.from(thinBody(ATTACKER_TYPE)), header)).toThrow(WebhookSignatureError);
      expect(() => gateway.verifyEvent(Buffer.from(snapshotBody(ATTACKER_TYPE)), header)).toThrow(WebhookSignatureError);
    }
  });

  it('a correctly signed thin event is still answered 200 (ignored), its type labelled from the closed set', async () => {
    for (const type of [ATTACKER_TYPE, HUGE_TYPE]) {
      const { body, signature } = signEvent(thinBody(type), WEBHOOK_SECRET);
      const res = await postRaw(h, body, signature);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ received: true, outcome: 'ignored' });
    }
    const { body, signature } = signEvent(snapshotBody('customer.created'), WEBHOOK_SECRET);
    expect((await postRaw(h, body, signature)).body).toEqual({ received: true, outcome: 'ignored' });
    const metrics = (await h.http.get('/metrics')).text;
    expect(metrics).not.toContain('attacker');
    expect(metrics).not.toContain('customer.created');
    expect(metrics).toMatch(/webhooks_received_total\{type="other",outcome="ignored"\} 2/);
    expect(metrics).toMatch(/webhooks_received_total\{type="unknown",outcome="ignored"\} 1/);
    // The log names the thin event's type only when it has Stripe's shape.
    expect(h.logs.text).toContain(ATTACKER_TYPE);
    expect(h.logs.text).not.toContain('yyyy');
  });

  it('the request log carries a bounded path, whatever the caller sent', async () => {
    const res = await h.http.get(`/${'p'.repeat(6_000)}`);
    expect(res.status).toBe(404);
    const line = h.logs.lines.map((l) => JSON.parse(l) as { msg: string; path?: string; status?: number }).reverse().find((l) => l.msg === 'request handled' && l.status === 404);
    expect(line?.path?.length).toBeLessThanOrEqual(121);
    expect(h.logs.text).not.toContain('p'.repeat(200));
  });
});
