import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { deliver, drain, knownTopUp, ledgerOf, makeRefund, sortTx, uid, type RefundStatus, type Tx } from './ledger-helpers.js';

/**
 * Stripe delivers at least once and in no particular order. Whatever the order and repetition of
 * payment_intent.succeeded / refund.created / refund.updated / refund.failed, the Moesif ledger must
 * end the same. Each case uses its own subscription, so one harness serves the whole table.
 */

type Step = { type: 'payment_intent.succeeded' } | { type: 'refund.created' | 'refund.updated' | 'refund.failed'; refund: string; status: RefundStatus };

interface Scenario {
  /** Refund label → amount. */
  refunds: Record<string, number>;
  steps: Record<string, Step>;
  /** Expected ledger, with 'PI' and refund labels standing for the real ids. */
  expected: { id: string; type: 'credit' | 'debit'; amount: number }[];
  balance: number;
}

const SCENARIOS: Record<string, Scenario> = {
  'refund that failed': {
    refunds: { R: 1000 },
    steps: {
      succeeded: { type: 'payment_intent.succeeded' },
      'refund.created': { type: 'refund.created', refund: 'R', status: 'pending' },
      'refund.failed': { type: 'refund.failed', refund: 'R', status: 'failed' },
    },
    expected: [
      { id: 'PI', type: 'credit', amount: 10 },
      { id: 'R', type: 'debit', amount: 10 },
      { id: 'R:reversed', type: 'credit', amount: 10 },
    ],
    balance: 10,
  },
  'refund that succeeded': {
    refunds: { R: 1000 },
    steps: {
      succeeded: { type: 'payment_intent.succeeded' },
      'refund.created': { type: 'refund.created', refund: 'R', status: 'pending' },
      'refund.updated': { type: 'refund.updated', refund: 'R', status: 'succeeded' },
    },
    expected: [
      { id: 'PI', type: 'credit', amount: 10 },
      { id: 'R', type: 'debit', amount: 10 },
    ],
    balance: 0,
  },
  'refund canceled': {
    refunds: { R: 600 },
    steps: {
      succeeded: { type: 'payment_intent.succeeded' },
      'refund.created': { type: 'refund.created', refund: 'R', status: 'requires_action' },
      'refund.updated': { type: 'refund.updated', refund: 'R', status: 'canceled' },
    },
    expected: [
      { id: 'PI', type: 'credit', amount: 10 },
      { id: 'R', type: 'debit', amount: 6 },
      { id: 'R:reversed', type: 'credit', amount: 6 },
    ],
    balance: 10,
  },
  // The two-event case: the refund may come before the credit.
  'refund that succeeded, no update': {
    refunds: { R: 1000 },
    steps: {
      succeeded: { type: 'payment_intent.succeeded' },
      'refund.created': { type: 'refund.created', refund: 'R', status: 'succeeded' },
    },
    expected: [
      { id: 'PI', type: 'credit', amount: 10 },
      { id: 'R', type: 'debit', amount: 10 },
    ],
    balance: 0,
  },
  'two partial refunds': {
    refunds: { R1: 300, R2: 200 },
    steps: {
      succeeded: { type: 'payment_intent.succeeded' },
      'refund.created(300)': { type: 'refund.created', refund: 'R1', status: 'succeeded' },
      'refund.created(200)': { type: 'refund.created', refund: 'R2', status: 'succeeded' },
    },
    expected: [
      { id: 'PI', type: 'credit', amount: 10 },
      { id: 'R1', type: 'debit', amount: 3 },
      { id: 'R2', type: 'debit', amount: 2 },
    ],
    balance: 5,
  },
};

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/**
 * 'each 3 times in a row': Stripe redelivering the same event (same id); the first delivery is the
 * plain once-only case. 'whole sequence 3 times, new event ids': the same objects carried by new
 * events (as refund.updated repeats do), the later rounds again in the same order.
 */
type Mode = 'each 3 times in a row' | 'whole sequence 3 times, new event ids';
const MODES: Mode[] = ['each 3 times in a row', 'whole sequence 3 times, new event ids'];

const CASES: [string, string, Mode][] = [];
for (const [name, scenario] of Object.entries(SCENARIOS)) {
  for (const order of permutations(Object.keys(scenario.steps))) {
    for (const mode of MODES) CASES.push([name, order.join(' → '), mode]);
  }
}
describe('defect 7: refunds converge on one ledger whatever the order and repetition of events', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  test.each(CASES)('defect 7: %s, order %s, delivered %s', async (name, orderText, mode) => {
    const scenario = SCENARIOS[name]!;
    const sub = uid('sub');
    // Stripe knows the PaymentIntent, so a refund seen before the credit can still be attributed.
    const pi = knownTopUp(h, { metadata: { topup_sync: 'v1', moesif_company_id: 'cus_alice', moesif_subscription_id: sub } });
    const refunds = Object.fromEntries(
      Object.entries(scenario.refunds).map(([label, amount]) => [label, makeRefund(pi.id, { amount })]),
    ) as Record<string, Stripe.Refund>;
    const objectFor = (step: Step): unknown =>
      step.type === 'payment_intent.succeeded' ? structuredClone(pi) : { ...refunds[step.refund]!, status: step.status };
    const makeEvent = (label: string) => {
      const step = scenario.steps[label]!;
      return h.stripe.makeEvent(step.type, objectFor(step));
    };

    const order = orderText.split(' → ');
    const deliveries: Stripe.Event[] = [];
    if (mode === 'each 3 times in a row') for (const label of order) deliveries.push(...Array<Stripe.Event>(3).fill(makeEvent(label)));
    else for (let round = 0; round < 3; round++) deliveries.push(...order.map(makeEvent));
    for (const event of deliveries) await deliver(h, event);

    const idOf = (label: string) =>
      label === 'PI' ? pi.id : label.endsWith(':reversed') ? `${refunds[label.split(':')[0]!]!.id}:reversed` : refunds[label]!.id;
    const expected: Tx[] = sortTx(scenario.expected.map((e) => ({ transaction_id: idOf(e.id), type: e.type, amount: e.amount })));
    await drain(h, expected.map((e) => e.transaction_id), 0);

    expect(ledgerOf(h, (tx) => tx.subscription_id === sub)).toEqual(expected);
    expect(h.moesif.balanceOf(sub)).toBe(scenario.balance);
    for (const e of expected) {
      expect(h.moesif.ledger.get(e.transaction_id)).toMatchObject({ company_id: 'cus_alice', subscription_id: sub });
      expect(h.moesif.accepted.filter((t) => t.transaction_id === e.transaction_id), `${e.transaction_id} accepted once`).toHaveLength(1);
      expect(await h.service.store.outbox.get(e.transaction_id)).toMatchObject({
        kind: e.type,
        paymentIntentId: pi.id,
        customerId: 'cus_alice',
        subscriptionId: sub,
        state: 'delivered',
      });
    }
    // Nothing else was posted for this PaymentIntent.
    expect(h.moesif.requests.filter((t) => t.subscription_id === sub)).toHaveLength(expected.length);
  });
});

describe('a refund arriving before the credit of a top-up created through /top-up', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('defect 7: on-session top-up, refund.created (×3) before payment_intent.succeeded → credit + debit, balance 0', async () => {
    const res = await h.topUp({ customer_id: 'cus_bob', amount: 1500, currency: 'usd', flow: 'on_session' });
    expect(res.status).toBe(201);
    const piId = res.body.payment_intent_id as string;
    const pi = h.stripe.succeed(piId);
    const refund = makeRefund(piId, { amount: 1500, status: 'succeeded' });
    const refundEvent = h.stripe.makeEvent('refund.created', refund);
    for (let i = 0; i < 3; i++) await deliver(h, refundEvent);
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', structuredClone(pi)));
    await drain(h, [piId, refund.id]);

    expect(ledgerOf(h)).toEqual(
      sortTx([
        { transaction_id: piId, type: 'credit', amount: 15 },
        { transaction_id: refund.id, type: 'debit', amount: 15 },
      ]),
    );
    expect(h.moesif.ledger.get(refund.id)).toMatchObject({ company_id: 'cus_bob', subscription_id: 'sub_bob' });
    expect(h.moesif.balanceOf('sub_bob')).toBe(0);
    expect(h.moesif.duplicateCount).toBe(0);
  });
});
