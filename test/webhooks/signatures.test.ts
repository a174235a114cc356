import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signEvent } from '../../src/simulators/stripe/fake-stripe.js';
import { startHarness, topUpPaymentIntent, WEBHOOK_SECRET, type Harness } from '../support/harness.js';
import {
  expectErrorShape,
  expectNothingQueuedOrSent,
  multiSignatureHeader,
  nowSeconds,
  postRaw,
  settle,
  succeededEvent,
  v1Signature,
  waitForState,
} from './webhook-helpers.js';

const OTHER_SECRET = 'whsec_someone_elses_endpoint_secret';

/** A rejected delivery: 400 invalid_signature, nothing about the secret or the SDK's reasoning, nothing stored. */
async function expectRejected(h: Harness, res: Awaited<ReturnType<typeof postRaw>>, eventId: string): Promise<void> {
  expectErrorShape(res, 400, 'invalid_signature');
  expect(res.text).not.toContain('whsec');
  expect(res.text).not.toContain(WEBHOOK_SECRET);
  expect(res.text).not.toMatch(/No signatures found|Timestamp outside|expected signature/i);
  expect(await h.service.store.events.get(eventId)).toBeNull();
  await settle(60);
  await expectNothingQueuedOrSent(h);
  expect(h.logs.text).not.toContain(WEBHOOK_SECRET);
}

describe('webhook signatures (single secret)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  it('accepts a correctly signed event (control)', async () => {
    const pi = topUpPaymentIntent();
    const event = succeededEvent(h, pi);
    const res = await h.postEvent(event);
    expect(res.status).toBe(200);
    expect((await h.service.store.events.get(event.id))?.outcome).toBe('queued');
    await waitForState(h, pi.id, 'delivered');
  });

  it('missing Stripe-Signature → 400 invalid_signature, no detail leaked, nothing stored', async () => {
    const event = succeededEvent(h, topUpPaymentIntent());
    const { body } = signEvent(event, WEBHOOK_SECRET);
    const res = await postRaw(h, body, undefined);
    await expectRejected(h, res, event.id);
  });

  type Case = [name: string, sign: (body: string) => { body: string; signature: string }];
  const cases: Case[] = [
    ['signed with the wrong secret', (body) => signEvent(body, OTHER_SECRET)],
    [
      'tampered body (signed, then amount_received changed)',
      (body) => {
        const { signature } = signEvent(body, WEBHOOK_SECRET);
        const tampered = body.replace('"amount_received":1000', '"amount_received":100000');
        expect(tampered).not.toBe(body);
        return { body: tampered, signature };
      },
    ],
    [
      'tampered body (one trailing space added)',
      (body) => ({ body: `${body} `, signature: signEvent(body, WEBHOOK_SECRET).signature }),
    ],
    ['expired timestamp (301 s old)', (body) => signEvent(body, WEBHOOK_SECRET, nowSeconds() - 301)],
    ['expired timestamp (1 day old)', (body) => signEvent(body, WEBHOOK_SECRET, nowSeconds() - 86_400)],
    [
      'expired timestamp with a valid HMAC for it (replay of an old delivery)',
      (body) => {
        const t = nowSeconds() - 600;
        return { body, signature: `t=${t},v1=${v1Signature(body, WEBHOOK_SECRET, t)}` };
      },
    ],
    [
      'signature with a fresh t but computed for an old t',
      (body) => ({ body, signature: `t=${nowSeconds()},v1=${v1Signature(body, WEBHOOK_SECRET, nowSeconds() - 10)}` }),
    ],
    [
      'correct HMAC under the v0 scheme only',
      (body) => {
        const t = nowSeconds();
        return { body, signature: `t=${t},v0=${v1Signature(body, WEBHOOK_SECRET, t)}` };
      },
    ],
    ['no timestamp', (body) => ({ body, signature: `v1=${v1Signature(body, WEBHOOK_SECRET, nowSeconds())}` })],
    ['garbage header', (body) => ({ body, signature: 'not-a-signature' })],
    ['the secret itself as the header', (body) => ({ body, signature: WEBHOOK_SECRET })],
  ];

  it.each(cases)('%s → 400 invalid_signature, nothing stored', async (_name, sign) => {
    const event = succeededEvent(h, topUpPaymentIntent({ amount: 1000, amount_received: 1000 }));
    const { body, signature } = sign(JSON.stringify(event));
    const res = await postRaw(h, body, signature);
    await expectRejected(h, res, event.id);
  });

  it('accepts a timestamp inside the 300 s tolerance (290 s old)', async () => {
    const pi = topUpPaymentIntent();
    const event = succeededEvent(h, pi);
    const { body, signature } = signEvent(event, WEBHOOK_SECRET, nowSeconds() - 290);
    const res = await postRaw(h, body, signature);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, outcome: 'queued' });
    await waitForState(h, pi.id, 'delivered');
  });

  it('accepts a header with two v1 signatures when only one is ours (Stripe rotating on its side)', async () => {
    const pi = topUpPaymentIntent();
    const event = succeededEvent(h, pi);
    const body = JSON.stringify(event);
    const res = await postRaw(h, body, multiSignatureHeader(body, [OTHER_SECRET, WEBHOOK_SECRET]));
    expect(res.status).toBe(200);
    expect((await h.service.store.events.get(event.id))?.payload).toBe(body);
  });

  it('rejects a header whose two v1 signatures are both foreign', async () => {
    const event = succeededEvent(h, topUpPaymentIntent());
    const body = JSON.stringify(event);
    const res = await postRaw(h, body, multiSignatureHeader(body, [OTHER_SECRET, 'whsec_yet_another_one']));
    await expectRejected(h, res, event.id);
  });
});

describe('webhook signatures while rotating secrets (STRIPE_WEBHOOK_SECRET=old,new)', () => {
  const OLD = 'whsec_old_rotating_secret_aaaaaaaa';
  const NEW = 'whsec_new_rotating_secret_bbbbbbbb';
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: { STRIPE_WEBHOOK_SECRET: `${OLD},${NEW}` } });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('parses both secrets from the comma-separated value', () => {
    expect(h.config.stripe.webhookSecrets).toEqual([OLD, NEW]);
  });

  it.each([
    ['the old secret', OLD],
    ['the new secret', NEW],
  ])('accepts an event signed with %s', async (_name, secret) => {
    const pi = topUpPaymentIntent();
    const event = succeededEvent(h, pi);
    const res = await h.postEvent(event, secret);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, outcome: 'queued' });
    expect((await h.service.store.events.get(event.id))?.outcome).toBe('queued');
    await waitForState(h, pi.id, 'delivered');
    expect(h.moesif.accepted.map((tx) => tx.transaction_id)).toEqual([pi.id]);
  });

  it.each([
    ['old, new', [OLD, NEW]],
    ['new, old', [NEW, OLD]],
  ])('accepts a header carrying two v1 signatures (%s)', async (_name, secrets) => {
    const pi = topUpPaymentIntent();
    const event = succeededEvent(h, pi);
    const body = JSON.stringify(event);
    const res = await postRaw(h, body, multiSignatureHeader(body, secrets));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, outcome: 'queued' });
    await waitForState(h, pi.id, 'delivered');
    expect(h.moesif.accepted).toHaveLength(1);
  });

  it('still rejects a third secret, and a tampered body signed with both', async () => {
    const e1 = succeededEvent(h, topUpPaymentIntent());
    const r1 = await h.postEvent(e1, OTHER_SECRET);
    await expectRejected(h, r1, e1.id);

    const e2 = succeededEvent(h, topUpPaymentIntent());
    const body = JSON.stringify(e2);
    const header = multiSignatureHeader(body, [OLD, NEW]);
    const r2 = await postRaw(h, body.replace('"amount_received":1000', '"amount_received":9000'), header);
    await expectRejected(h, r2, e2.id);
    expect(h.logs.text).not.toContain(OLD);
    expect(h.logs.text).not.toContain(NEW);
  });

  it('rejects an expired event even when signed with either secret', async () => {
    for (const secret of [OLD, NEW]) {
      const event = succeededEvent(h, topUpPaymentIntent());
      const { body, signature } = signEvent(event, secret, nowSeconds() - 400);
      const res = await postRaw(h, body, signature);
      expect(res.status).toBe(400);
      expect(res.text).not.toContain('whsec');
      expect(await h.service.store.events.get(event.id)).toBeNull();
    }
    await settle(60);
    await expectNothingQueuedOrSent(h);
  });
});
