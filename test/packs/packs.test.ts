import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, startHarness, waitFor, type Harness } from '../support/harness.js';
import { deliver, drain, expectNoDuplicatesAtMoesif, ledgerOf, makeRefund, makeDispute } from '../ledger/ledger-helpers.js';

/**
 * Issue 10, item 3: a credit pack is a Stripe Price whose metadata (or its product's) says
 * moesif_credits=N. Buying it credits N per unit whatever it costs; refunds and disputes take back
 * the refunded share of those credits, rounded down to the micro-credit (a full refund: all).
 */
describe('credit packs', () => {
  let h: Harness;
  let bonus: string;
  let productPack: string;
  let yenPack: string;
  let dinarPack: string;
  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'silent', TOP_UP_CURRENCIES: 'usd,jpy,kwd', CREDIT_RATES: 'usd:2' } });
    bonus = h.stripe.addPrice({ unitAmount: 10000, currency: 'usd', credits: '11000', name: 'Bonus pack' });
    productPack = h.stripe.addPrice({ unitAmount: 500, currency: 'usd', productCredits: '600', name: 'Small pack' });
    yenPack = h.stripe.addPrice({ unitAmount: 1500, currency: 'jpy', credits: '100' });
    dinarPack = h.stripe.addPrice({ unitAmount: 3330, currency: 'kwd', credits: '1000' });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('POST /top-up with a pack charges its price and credits its credits, not the amount at CREDIT_RATES', async () => {
    const res = await h.topUp({ customer_id: 'cus_alice', pack: bonus });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: 'succeeded', amount: 10000, currency: 'usd' });
    const pi = h.stripe.paymentIntents.get(res.body.payment_intent_id)!;
    expect(pi.metadata).toMatchObject({ topup_sync: 'v1', moesif_credits: '11000' });
    await drain(h, [pi.id]);
    expect(h.moesif.ledger.get(pi.id)).toMatchObject({ type: 'credit', amount: 11000, subscription_id: 'sub_alice' });
    expect(await h.service.store.outbox.get(pi.id)).toMatchObject({ amountMinor: 10000, credits: '11000', state: 'delivered' });
    // The webhook for the same PaymentIntent finds the credit already queued.
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', structuredClone(pi)), 'queued');
    await drain(h);
    expectNoDuplicatesAtMoesif(h);
  });

  it.each([
    ['the product’s metadata', () => productPack, 600],
    ['a zero-decimal currency (jpy)', () => yenPack, 100],
    ['a three-decimal currency (kwd)', () => dinarPack, 1000],
  ])('a pack whose credits come from %s credits exactly those', async (_what, price, credits) => {
    const res = await h.topUp({ customer_id: 'cus_alice', pack: price() });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await drain(h, [res.body.payment_intent_id]);
    expect(h.moesif.ledger.get(res.body.payment_intent_id)?.amount).toBe(credits);
  });

  it.each([
    ['not a pack', () => h.stripe.addPrice({ unitAmount: 500, currency: 'usd' }), 'is not a credit pack'],
    ['inactive', () => h.stripe.addPrice({ unitAmount: 500, currency: 'usd', credits: '5', active: false }), 'is not active'],
    ['recurring', () => h.stripe.addPrice({ unitAmount: 500, currency: 'usd', credits: '5', recurring: true }), 'recurring'],
    ['unknown', () => 'price_doesnotexist', 'no such price'],
  ])('a price that is %s is refused with a 400 naming pack, and nothing is charged', async (_what, price, problem) => {
    const before = h.stripe.paymentIntents.size;
    const res = await h.topUp({ customer_id: 'cus_alice', pack: price() });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.fields[0]).toMatchObject({ field: 'pack' });
    expect(res.body.error.fields[0].problem).toContain(problem);
    expect(h.stripe.paymentIntents.size).toBe(before);
  });

  it.each([
    [{ customer_id: 'cus_alice', pack: 'price_x', amount: 1000 }, 'amount'],
    [{ customer_id: 'cus_alice', pack: 'price_x', currency: 'usd' }, 'currency'],
    [{ customer_id: 'cus_alice' }, 'amount'],
    [{ customer_id: 'cus_alice', pack: 'prod_x' }, 'pack'],
  ])('a body naming both or neither of amount and pack is a 400 naming the field: %j', async (body, field) => {
    const res = await h.topUp(body);
    expect(res.status).toBe(400);
    expect(res.body.error.fields.map((f: { field: string }) => f.field)).toContain(field);
  });

  it('GET /packs lists the active one-time packs, with their credits, for a frontend', async () => {
    const res = await h.http.get('/packs').set('Authorization', `Bearer ${API_KEY}`);
    expect(res.status).toBe(200);
    const byId = new Map(res.body.packs.map((p: { price_id: string }) => [p.price_id, p]));
    expect(byId.get(bonus)).toEqual({ price_id: bonus, credits: '11000', amount: 10000, currency: 'usd', name: 'Bonus pack' });
    expect(byId.get(productPack)).toMatchObject({ credits: '600', name: 'Small pack' });
    for (const p of res.body.packs) expect(p.credits).not.toBeNull();
    expect((await h.http.get('/packs')).status).toBe(401);
  });

  it('a partial refund of a pack takes back the refunded share of its credits (rounded down to the micro-credit); the rest leaves exactly all', async () => {
    const res = await h.topUp({ customer_id: 'cus_alice', pack: bonus });
    const pi = res.body.payment_intent_id as string;
    await drain(h, [pi]);
    const first = makeRefund(pi, { amount: 3333 });
    await deliver(h, h.stripe.makeEvent('refund.created', first), 'queued');
    await drain(h, [first.id]);
    // 11000 × 3333 / 10000 = 3666.3
    expect(h.moesif.ledger.get(first.id)).toMatchObject({ type: 'debit', amount: 3666.3 });
    expect(await h.service.store.outbox.get(first.id)).toMatchObject({ amountMinor: 3333, credits: '3666.3' });
    const rest = makeRefund(pi, { amount: 6667 });
    await deliver(h, h.stripe.makeEvent('refund.created', rest), 'queued');
    await drain(h, [rest.id]);
    expect(h.moesif.ledger.get(rest.id)?.amount).toBe(7333.7);
  });

  it('a full refund takes back exactly what was credited; a failed refund gives it back; a lost dispute the same share', async () => {
    const res = await h.topUp({ customer_id: 'cus_alice', pack: bonus });
    const pi = res.body.payment_intent_id as string;
    await drain(h, [pi]);
    const refund = makeRefund(pi, { amount: 10000, status: 'failed' });
    await deliver(h, h.stripe.makeEvent('refund.failed', refund), 'queued');
    const dispute = makeDispute(pi, { amount: 5000, movements: [-5000] });
    await deliver(h, h.stripe.makeEvent('charge.dispute.funds_withdrawn', dispute), 'queued');
    await drain(h, [refund.id, `${refund.id}:reversed`, dispute.id]);
    expect(ledgerOf(h, (t) => [refund.id, `${refund.id}:reversed`, dispute.id].includes(t.transaction_id))).toEqual(
      [
        { transaction_id: refund.id, type: 'debit', amount: 11000 },
        { transaction_id: `${refund.id}:reversed`, type: 'credit', amount: 11000 },
        { transaction_id: dispute.id, type: 'debit', amount: 5500 },
      ].sort((a, b) => a.transaction_id.localeCompare(b.transaction_id)),
    );
  });

  it('a refund seen before its pack was credited (an on-session top-up) takes the same share, from the top-up record', async () => {
    const res = await h.topUp({ customer_id: 'cus_alice', pack: yenPack, flow: 'on_session' });
    const pi = res.body.payment_intent_id as string;
    expect(await h.service.store.outbox.get(pi)).toBeNull();
    const refund = makeRefund(pi, { amount: 750, currency: 'jpy' });
    await deliver(h, h.stripe.makeEvent('refund.created', refund), 'queued');
    await waitFor(() => h.moesif.ledger.has(refund.id));
    expect(h.moesif.ledger.get(refund.id)?.amount).toBe(50);
  });
});
