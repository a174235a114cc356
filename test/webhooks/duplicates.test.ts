import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, topUpPaymentIntent, type Harness } from '../support/harness.js';
import { settle, succeededEvent, waitForState } from './webhook-helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe('duplicate deliveries → exactly one Moesif credit', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  it('the same event posted 3 times sequentially: 200 each, then duplicate, one credit', async () => {
    const pi = topUpPaymentIntent();
    const event = succeededEvent(h, pi);
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await h.postEvent(event);
      expect(res.status).toBe(200);
      outcomes.push(res.body.outcome);
    }
    expect(outcomes).toEqual(['queued', 'duplicate', 'duplicate']);
    expect((await h.service.store.events.get(event.id))?.outcome).toBe('queued');
    await waitForState(h, pi.id, 'delivered');
    await settle();
    expect(h.moesif.requests).toHaveLength(1);
    expect(h.moesif.accepted).toHaveLength(1);
    expect(h.moesif.accepted[0]?.transaction_id).toBe(pi.id);
    expect(await h.service.store.outbox.countByState()).toEqual({ pending: 0, delivered: 1, failed: 0, dead: 0 });
    expect((await h.service.store.outbox.get(pi.id))?.attempts).toBe(1);
  });

  it('the same event posted 20 times concurrently: all 200, exactly one queued, one credit', async () => {
    const pi = topUpPaymentIntent();
    const event = succeededEvent(h, pi);
    const responses = await Promise.all(Array.from({ length: 20 }, () => h.postEvent(event)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const outcomes = responses.map((r) => r.body.outcome as string);
    expect(outcomes.filter((o) => o === 'queued')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(19);
    await waitForState(h, pi.id, 'delivered');
    await settle();
    expect(h.moesif.requests).toHaveLength(1);
    expect(h.moesif.accepted).toHaveLength(1);
    expect(await h.service.store.outbox.countByState()).toEqual({ pending: 0, delivered: 1, failed: 0, dead: 0 });
  });

  it('two different events for the same PaymentIntent: both recorded, one credit', async () => {
    const pi = topUpPaymentIntent();
    const first = succeededEvent(h, pi);
    const second = succeededEvent(h, structuredClone(pi));
    expect(second.id).not.toBe(first.id);

    const r1 = await h.postEvent(first);
    const r2 = await h.postEvent(second);
    expect([r1.status, r2.status]).toEqual([200, 200]);
    // The second is a new event (not a duplicate delivery) whose credit was already queued.
    expect(r2.body.outcome).toBe('queued');
    expect((await h.service.store.events.get(first.id))?.outcome).toBe('queued');
    expect((await h.service.store.events.get(second.id))).not.toBeNull();

    await waitForState(h, pi.id, 'delivered');
    await settle();
    expect(h.moesif.requests).toHaveLength(1);
    expect(h.moesif.accepted).toHaveLength(1);
    expect((await h.service.store.outbox.get(pi.id))?.source).toBe(`event:${first.id}`);
  });

  it('two different events for the same PaymentIntent posted concurrently: one credit', async () => {
    const pi = topUpPaymentIntent();
    const events = Array.from({ length: 5 }, () => succeededEvent(h, structuredClone(pi)));
    const responses = await Promise.all(events.map((e) => h.postEvent(e)));
    expect(responses.map((r) => r.status)).toEqual(Array(5).fill(200));
    for (const e of events) expect(await h.service.store.events.get(e.id)).not.toBeNull();
    await waitForState(h, pi.id, 'delivered');
    await settle();
    expect(h.moesif.requests).toHaveLength(1);
    expect(await h.service.store.outbox.countByState()).toEqual({ pending: 0, delivered: 1, failed: 0, dead: 0 });
  });
});

describe('defect 2: deterministic transaction_id', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  it('defect 2: transaction_id sent to Moesif is the PaymentIntent id, never a random UUID', async () => {
    const pis = [topUpPaymentIntent(), topUpPaymentIntent()];
    for (const pi of pis) expect((await h.postEvent(succeededEvent(h, pi))).status).toBe(200);
    for (const pi of pis) await waitForState(h, pi.id, 'delivered');
    const ids = h.moesif.accepted.map((tx) => tx.transaction_id).sort();
    expect(ids).toEqual(pis.map((p) => p.id).sort());
    for (const id of ids) expect(id).not.toMatch(UUID);
    for (const pi of pis) expect((await h.service.store.outbox.get(pi.id))?.transactionId).toBe(pi.id);
  });

  it('defect 2: a redelivery after the credit was delivered sends nothing new', async () => {
    const pi = topUpPaymentIntent();
    const event = succeededEvent(h, pi);
    expect((await h.postEvent(event)).body.outcome).toBe('queued');
    await waitForState(h, pi.id, 'delivered');
    const deliveredAt = (await h.service.store.outbox.get(pi.id))?.deliveredAt;

    // Stripe redelivers the same event, and also sends a second event for the same PaymentIntent.
    const again = await h.postEvent(event);
    expect(again.status).toBe(200);
    expect(again.body.outcome).toBe('duplicate');
    const other = await h.postEvent(succeededEvent(h, structuredClone(pi)));
    expect(other.status).toBe(200);
    await settle();

    expect(h.moesif.requests).toHaveLength(1);
    expect(h.moesif.requests[0]?.transaction_id).toBe(pi.id);
    const entry = await h.service.store.outbox.get(pi.id);
    expect(entry?.state).toBe('delivered');
    expect(entry?.attempts).toBe(1);
    expect(entry?.deliveredAt).toBe(deliveredAt);
  });
});
