import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it, test } from 'vitest';
import { startHarness, topUpPaymentIntent, type Harness } from '../support/harness.js';
import { deliver, drain, expectNoDuplicatesAtMoesif, knownTopUp, ledgerOf, makeDispute, sleep, sortTx, uid, type Tx } from './ledger-helpers.js';

/** A credited top-up of 10 on its own subscription, so one harness can serve many cases. */
async function creditedTopUp(h: Harness, amount = 1000): Promise<{ pi: Stripe.PaymentIntent; sub: string }> {
  const sub = uid('sub');
  const pi = knownTopUp(h, {
    amount,
    amount_received: amount,
    metadata: { topup_sync: 'v1', moesif_company_id: 'cus_alice', moesif_subscription_id: sub },
  });
  await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', structuredClone(pi)), 'queued');
  await drain(h, [pi.id], 0);
  return { pi, sub };
}

const ledgerFor = (h: Harness, sub: string) => ledgerOf(h, (tx) => tx.subscription_id === sub);

describe('defect 7: disputes (DISPUTE_DEBIT_ON default: funds_withdrawn)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('defect 7: charge.dispute.funds_withdrawn → a debit with the dispute id, same company/subscription as the credit', async () => {
    const { pi, sub } = await creditedTopUp(h);
    const dispute = makeDispute(pi.id, { amount: 1000, status: 'needs_response', movements: [-1000] });
    const event = h.stripe.makeEvent('charge.dispute.funds_withdrawn', dispute);
    await deliver(h, event, 'queued');
    await drain(h, [dispute.id], 0);

    expect(ledgerFor(h, sub)).toEqual(
      sortTx([
        { transaction_id: pi.id, type: 'credit', amount: 10 },
        { transaction_id: dispute.id, type: 'debit', amount: 10 },
      ]),
    );
    expect(h.moesif.ledger.get(dispute.id)).toMatchObject({ company_id: 'cus_alice', subscription_id: sub });
    expect(h.moesif.balanceOf(sub)).toBe(0);
    expect(await h.service.store.outbox.get(dispute.id)).toMatchObject({
      kind: 'debit',
      amountMinor: 1000,
      paymentIntentId: pi.id,
      subscriptionId: sub,
      state: 'delivered',
      source: `event:${event.id}`,
    });
  });

  it('charge.dispute.created does not debit by default (funds not yet withdrawn)', async () => {
    const { pi, sub } = await creditedTopUp(h);
    const dispute = makeDispute(pi.id, { status: 'warning_needs_response', movements: [] });
    const event = h.stripe.makeEvent('charge.dispute.created', dispute);
    await deliver(h, event, 'ignored');
    await sleep(60);
    expect(ledgerFor(h, sub)).toEqual([{ transaction_id: pi.id, type: 'credit', amount: 10 }]);
    expect(await h.service.store.outbox.get(dispute.id)).toBeNull();
  });

  it('defect 7: withdrawn then funds_reinstated → credit `<dispute>:reinstated`, net back to the top-up', async () => {
    const { pi, sub } = await creditedTopUp(h);
    const dispute = makeDispute(pi.id, { status: 'needs_response', movements: [-1000] });
    await deliver(h, h.stripe.makeEvent('charge.dispute.funds_withdrawn', dispute), 'queued');
    await drain(h, [dispute.id], 0);
    expect(h.moesif.balanceOf(sub)).toBe(0);
    const reinstated = makeDispute(pi.id, { id: dispute.id, status: 'under_review', movements: [-1000, 1000] });
    const event = h.stripe.makeEvent('charge.dispute.funds_reinstated', reinstated);
    await deliver(h, event, 'queued');
    await drain(h, [`${dispute.id}:reinstated`], 0);

    expect(ledgerFor(h, sub)).toEqual(
      sortTx([
        { transaction_id: pi.id, type: 'credit', amount: 10 },
        { transaction_id: dispute.id, type: 'debit', amount: 10 },
        { transaction_id: `${dispute.id}:reinstated`, type: 'credit', amount: 10 },
      ]),
    );
    expect(h.moesif.balanceOf(sub)).toBe(10);
    expect(await h.service.store.outbox.get(`${dispute.id}:reinstated`)).toMatchObject({
      kind: 'credit',
      amountMinor: 1000,
      paymentIntentId: pi.id,
      state: 'delivered',
      source: `event:${event.id}`,
    });
  });

  it("defect 7: closed 'won' after withdrawal (and after funds_reinstated) → the one reinstatement, not two", async () => {
    const { pi, sub } = await creditedTopUp(h);
    const id = uid('du');
    await deliver(h, h.stripe.makeEvent('charge.dispute.funds_withdrawn', makeDispute(pi.id, { id, status: 'needs_response', movements: [-1000] })));
    await deliver(h, h.stripe.makeEvent('charge.dispute.funds_reinstated', makeDispute(pi.id, { id, status: 'under_review', movements: [-1000, 1000] })));
    await deliver(h, h.stripe.makeEvent('charge.dispute.closed', makeDispute(pi.id, { id, status: 'won', movements: [-1000, 1000] })));
    await drain(h, [id, `${id}:reinstated`]);

    expect(ledgerFor(h, sub)).toEqual(
      sortTx([
        { transaction_id: pi.id, type: 'credit', amount: 10 },
        { transaction_id: id, type: 'debit', amount: 10 },
        { transaction_id: `${id}:reinstated`, type: 'credit', amount: 10 },
      ]),
    );
    expect(h.moesif.requests.filter((t) => t.transaction_id === `${id}:reinstated`)).toHaveLength(1);
    expect(h.moesif.balanceOf(sub)).toBe(10);
  });

  it("defect 7: closed 'won' after withdrawal, with no funds_reinstated event → the reinstatement", async () => {
    const { pi, sub } = await creditedTopUp(h);
    const id = uid('du');
    await deliver(h, h.stripe.makeEvent('charge.dispute.funds_withdrawn', makeDispute(pi.id, { id, status: 'needs_response', movements: [-1000] })));
    await deliver(h, h.stripe.makeEvent('charge.dispute.closed', makeDispute(pi.id, { id, status: 'won', movements: [-1000, 1000] })));
    await drain(h, [id, `${id}:reinstated`]);
    expect(ledgerFor(h, sub)).toEqual(
      sortTx([
        { transaction_id: pi.id, type: 'credit', amount: 10 },
        { transaction_id: id, type: 'debit', amount: 10 },
        { transaction_id: `${id}:reinstated`, type: 'credit', amount: 10 },
      ]),
    );
    expect(h.moesif.balanceOf(sub)).toBe(10);
  });

  it("defect 7: closed 'lost' → only the debit stands", async () => {
    const { pi, sub } = await creditedTopUp(h);
    const id = uid('du');
    await deliver(h, h.stripe.makeEvent('charge.dispute.funds_withdrawn', makeDispute(pi.id, { id, status: 'needs_response', movements: [-1000] })));
    await deliver(h, h.stripe.makeEvent('charge.dispute.closed', makeDispute(pi.id, { id, status: 'lost', movements: [-1000] })));
    await drain(h, [id], 60);
    expect(ledgerFor(h, sub)).toEqual(
      sortTx([
        { transaction_id: pi.id, type: 'credit', amount: 10 },
        { transaction_id: id, type: 'debit', amount: 10 },
      ]),
    );
    expect(h.moesif.ledger.has(`${id}:reinstated`)).toBe(false);
    expect(await h.service.store.outbox.get(`${id}:reinstated`)).toBeNull();
    expect(h.moesif.balanceOf(sub)).toBe(0);
  });

  it("closed 'won' with no withdrawal (balance_transactions empty) → nothing moves", async () => {
    const { pi, sub } = await creditedTopUp(h);
    const dispute = makeDispute(pi.id, { status: 'won', movements: [] });
    const event = h.stripe.makeEvent('charge.dispute.closed', dispute);
    await deliver(h, event, 'ignored');
    await sleep(60);
    expect(ledgerFor(h, sub)).toEqual([{ transaction_id: pi.id, type: 'credit', amount: 10 }]);
    expect(await h.service.store.outbox.get(dispute.id)).toBeNull();
    expect(await h.service.store.outbox.get(`${dispute.id}:reinstated`)).toBeNull();
    expect(await h.service.store.events.get(event.id)).toMatchObject({ outcome: 'ignored' });
  });

  it('defect 7: funds_reinstated arriving before funds_withdrawn → debit + reinstatement (net 0 for the dispute)', async () => {
    const { pi, sub } = await creditedTopUp(h);
    const id = uid('du');
    await deliver(h, h.stripe.makeEvent('charge.dispute.funds_reinstated', makeDispute(pi.id, { id, status: 'under_review', movements: [-1000, 1000] })), 'queued');
    await deliver(h, h.stripe.makeEvent('charge.dispute.funds_withdrawn', makeDispute(pi.id, { id, status: 'needs_response', movements: [-1000] })));
    await drain(h, [id, `${id}:reinstated`]);
    expect(ledgerFor(h, sub)).toEqual(
      sortTx([
        { transaction_id: pi.id, type: 'credit', amount: 10 },
        { transaction_id: id, type: 'debit', amount: 10 },
        { transaction_id: `${id}:reinstated`, type: 'credit', amount: 10 },
      ]),
    );
    expect(h.moesif.balanceOf(sub)).toBe(10);
  });

  it('a partial dispute amount is debited in major units (dispute.amount, not the charge)', async () => {
    const { pi, sub } = await creditedTopUp(h, 2000);
    const dispute = makeDispute(pi.id, { amount: 750, movements: [-750] });
    await deliver(h, h.stripe.makeEvent('charge.dispute.funds_withdrawn', dispute), 'queued');
    await drain(h, [dispute.id], 0);
    expect(h.moesif.ledger.get(dispute.id)).toMatchObject({ type: 'debit', amount: 7.5 });
    expect(h.moesif.balanceOf(sub)).toBe(12.5);
  });

  it('a dispute of a PaymentIntent that is not a top-up → ignored', async () => {
    const other = knownTopUp(h, { metadata: {} });
    const unknown = uid('pi');
    await deliver(h, h.stripe.makeEvent('charge.dispute.funds_withdrawn', makeDispute(other.id, { movements: [-1000] })), 'ignored');
    await deliver(h, h.stripe.makeEvent('charge.dispute.funds_withdrawn', makeDispute(unknown, { movements: [-1000] })), 'ignored');
    const before = h.moesif.requests.length;
    await sleep(60);
    expect(h.moesif.requests.length).toBe(before);
    expect(h.moesif.requests.some((t) => t.description?.includes(other.id) || t.description?.includes(unknown))).toBe(false);
  });

  const SEQUENCES: [string, [Stripe.Event['type'], Parameters<typeof makeDispute>[1]][], Tx['type'][]][] = [
    [
      'withdrawn, reinstated, closed won',
      [
        ['charge.dispute.created', { status: 'needs_response', movements: [] }],
        ['charge.dispute.funds_withdrawn', { status: 'needs_response', movements: [-1000] }],
        ['charge.dispute.funds_reinstated', { status: 'under_review', movements: [-1000, 1000] }],
        ['charge.dispute.closed', { status: 'won', movements: [-1000, 1000] }],
      ],
      ['debit', 'credit'],
    ],
    [
      'withdrawn, closed lost',
      [
        ['charge.dispute.created', { status: 'needs_response', movements: [] }],
        ['charge.dispute.funds_withdrawn', { status: 'needs_response', movements: [-1000] }],
        ['charge.dispute.closed', { status: 'lost', movements: [-1000] }],
      ],
      ['debit'],
    ],
  ];

  test.each(SEQUENCES)('repeated events (%s), each 3 times, in order and reversed → no duplicates at Moesif', async (_name, steps, kinds) => {
    for (const reversed of [false, true]) {
      const { pi, sub } = await creditedTopUp(h);
      const id = uid('du');
      const events = steps.map(([type, fields]) => h.stripe.makeEvent(type, makeDispute(pi.id, { ...fields, id })));
      const ordered = reversed ? [...events].reverse() : events;
      for (const e of ordered) for (let i = 0; i < 3; i++) await deliver(h, e);
      // and once more as a fresh event id carrying the same dispute
      for (const e of ordered) await deliver(h, h.stripe.makeEvent(e.type, structuredClone(e.data.object)));
      const ids = kinds.length === 2 ? [id, `${id}:reinstated`] : [id];
      await drain(h, ids, 0);
      expect(ledgerFor(h, sub)).toEqual(
        sortTx([
          { transaction_id: pi.id, type: 'credit', amount: 10 },
          ...ids.map((tid, i) => ({ transaction_id: tid, type: kinds[i]!, amount: 10 })),
        ]),
      );
      expect(h.moesif.requests.filter((t) => t.subscription_id === sub)).toHaveLength(1 + ids.length);
      expect(h.moesif.balanceOf(sub)).toBe(kinds.length === 2 ? 10 : 0);
    }
    expectNoDuplicatesAtMoesif(h);
  });
});

describe("DISPUTE_DEBIT_ON='created'", () => {
  let h: Harness;
  afterEach(async () => {
    await h.stop();
  });

  it('defect 7: charge.dispute.created debits at once; later events add nothing; a win reinstates', async () => {
    h = await startHarness({ env: { DISPUTE_DEBIT_ON: 'created' } });
    const pi = topUpPaymentIntent();
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', pi), 'queued');
    const id = uid('du');
    const created = h.stripe.makeEvent('charge.dispute.created', makeDispute(pi.id, { id, status: 'needs_response', movements: [] }));
    await deliver(h, created, 'queued');
    await drain(h, [pi.id, id]);
    expect(ledgerOf(h)).toEqual(
      sortTx([
        { transaction_id: pi.id, type: 'credit', amount: 10 },
        { transaction_id: id, type: 'debit', amount: 10 },
      ]),
    );
    expect(h.moesif.balanceOf('sub_alice')).toBe(0);
    expect(await h.service.store.outbox.get(id)).toMatchObject({ kind: 'debit', source: `event:${created.id}` });

    await deliver(h, h.stripe.makeEvent('charge.dispute.funds_withdrawn', makeDispute(pi.id, { id, status: 'needs_response', movements: [-1000] })));
    await deliver(h, h.stripe.makeEvent('charge.dispute.closed', makeDispute(pi.id, { id, status: 'won', movements: [-1000, 1000] })));
    await drain(h, [`${id}:reinstated`]);
    expect(ledgerOf(h)).toEqual(
      sortTx([
        { transaction_id: pi.id, type: 'credit', amount: 10 },
        { transaction_id: id, type: 'debit', amount: 10 },
        { transaction_id: `${id}:reinstated`, type: 'credit', amount: 10 },
      ]),
    );
    expect(h.moesif.balanceOf('sub_alice')).toBe(10);
    expectNoDuplicatesAtMoesif(h);
  });

  it("closed 'lost' after created → only the debit", async () => {
    h = await startHarness({ env: { DISPUTE_DEBIT_ON: 'created' } });
    const pi = topUpPaymentIntent();
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', pi));
    const id = uid('du');
    await deliver(h, h.stripe.makeEvent('charge.dispute.created', makeDispute(pi.id, { id, status: 'needs_response' })));
    await deliver(h, h.stripe.makeEvent('charge.dispute.closed', makeDispute(pi.id, { id, status: 'lost', movements: [-1000] })));
    await drain(h, [pi.id, id], 60);
    expect(ledgerOf(h).map((t) => t.transaction_id).sort()).toEqual([pi.id, id].sort());
    expect(h.moesif.balanceOf('sub_alice')).toBe(0);
  });

  it("an inquiry (warning_needs_response) debited at creation and closed as 'warning_closed' gives the credits back", async () => {
    // Inquiries never withdraw funds; once one closes without becoming a chargeback the customer
    // has lost nothing, so the credits taken at charge.dispute.created must come back.
    h = await startHarness({ env: { DISPUTE_DEBIT_ON: 'created' } });
    const pi = topUpPaymentIntent();
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', pi));
    const id = uid('du');
    await deliver(h, h.stripe.makeEvent('charge.dispute.created', makeDispute(pi.id, { id, status: 'warning_needs_response', movements: [] })));
    await deliver(h, h.stripe.makeEvent('charge.dispute.closed', makeDispute(pi.id, { id, status: 'warning_closed', movements: [] })));
    await drain(h, [pi.id], 100);
    expect(h.moesif.balanceOf('sub_alice'), JSON.stringify(ledgerOf(h))).toBe(10);
    expectNoDuplicatesAtMoesif(h);
  });
});
