import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type Stripe from 'stripe';
import { dropSchema, postgresUnavailableReason, uniqueSchema, urlWithSchema } from '../store/postgres-available.js';
import { ALICE, startHarness, topUpPaymentIntent, type Harness } from '../support/harness.js';
import { apiKeyAuth, expectNothingCredited, settle } from '../top-ups/top-up-helpers.js';

/**
 * Issue 8, item 9: a signed event with `amount: "abc"` queued a junk outbox row (SQLite took
 * it) and that customer's /balance then answered 500. Each handled event's object is now checked
 * with zod at the edge (webhooks/event-objects.ts): one that does not match is recorded as
 * ignored with the reason, answered 2xx (a retry would not change it), and never queued.
 */
const pgUnavailable = await postgresUnavailableReason();
const schema = uniqueSchema('shapes');
const stores: [string, string | undefined][] = [['SQLite', undefined]];
if (!pgUnavailable) stores.push(['PostgreSQL', urlWithSchema(schema)]);

const pi = (overrides: Record<string, unknown>) => ({ ...topUpPaymentIntent(), ...overrides }) as unknown;
const refund = (overrides: Record<string, unknown>) => ({
  id: `re_${Math.random().toString(36).slice(2, 12)}`,
  object: 'refund',
  amount: 500,
  currency: 'usd',
  status: 'succeeded',
  payment_intent: 'pi_known',
  ...overrides,
});
const dispute = (overrides: Record<string, unknown>) => ({
  id: `dp_${Math.random().toString(36).slice(2, 12)}`,
  object: 'dispute',
  amount: 500,
  currency: 'usd',
  status: 'lost',
  payment_intent: 'pi_known',
  balance_transactions: [{ amount: -500 }],
  ...overrides,
});
const session = (overrides: Record<string, unknown>) => ({
  id: `cs_test_${Math.random().toString(36).slice(2, 12)}`,
  object: 'checkout.session',
  mode: 'payment',
  payment_status: 'paid',
  status: 'complete',
  customer: 'cus_alice',
  payment_intent: 'pi_known',
  amount_total: 1000,
  currency: 'usd',
  metadata: {},
  ...overrides,
});

const invoice = (overrides: Record<string, unknown>) => ({
  id: `in_${Math.random().toString(36).slice(2, 12)}`,
  object: 'invoice',
  status: 'paid',
  customer: 'cus_alice',
  amount_paid: 5000,
  currency: 'usd',
  billing_reason: 'manual',
  ...overrides,
});
const creditNote = (overrides: Record<string, unknown>) => ({
  id: `cn_${Math.random().toString(36).slice(2, 12)}`,
  object: 'credit_note',
  invoice: 'in_known',
  status: 'issued',
  currency: 'usd',
  post_payment_amount: 500,
  refunds: [],
  ...overrides,
});

type Case = [what: string, type: Stripe.Event['type'], object: unknown, field: RegExp];
const cases: Case[] = [
  ['amount_received "abc" (the reported case)', 'payment_intent.succeeded', pi({ amount_received: 'abc' }), /amount_received/],
  ['amount 10.5', 'payment_intent.succeeded', pi({ amount: 10.5 }), /amount/],
  ['a negative amount_received', 'payment_intent.succeeded', pi({ amount_received: -1000 }), /amount_received/],
  ['currency "dollars"', 'payment_intent.succeeded', pi({ currency: 'dollars' }), /currency/],
  ['currency missing', 'payment_intent.succeeded', pi({ currency: undefined }), /currency/],
  ['a customer id with a NUL', 'payment_intent.succeeded', pi({ customer: 'cus_alice\u0000' }), /customer/],
  ['a customer that is a number', 'payment_intent.succeeded', pi({ customer: 42 }), /customer/],
  ['an id that is not pi_…', 'payment_intent.succeeded', pi({ id: '../pi' }), /id/],
  ['an unknown status', 'payment_intent.succeeded', pi({ status: 'exploded' }), /status/],
  ['a metadata value that is an object', 'payment_intent.succeeded', pi({ metadata: { topup_sync: { v: 1 } } }), /metadata/],
  ['a processing PaymentIntent without an id', 'payment_intent.processing', pi({ id: undefined, status: 'processing' }), /id/],
  ['a refund with amount "500"', 'refund.created', refund({ amount: '500' }), /amount/],
  ['a refund whose payment_intent is an object with a numeric id', 'refund.created', refund({ payment_intent: { id: 5 } }), /payment_intent/],
  ['a refund with a NUL in its id', 'refund.created', refund({ id: 're_x\u0000' }), /id/],
  ['a dispute with a fractional amount', 'charge.dispute.funds_withdrawn', dispute({ amount: 1.5 }), /amount/],
  ['a dispute whose balance transaction amount is text', 'charge.dispute.funds_withdrawn', dispute({ balance_transactions: [{ amount: 'x' }] }), /balance_transactions/],
  ['a dispute without a status', 'charge.dispute.closed', dispute({ status: undefined }), /status/],
  ['an invoice with amount_paid "5000"', 'invoice.paid', invoice({ amount_paid: '5000' }), /amount_paid/],
  ['an invoice whose id is not in_…', 'invoice.paid', invoice({ id: 'in_x/../y' }), /id/],
  ['an invoice with a control character in billing_reason', 'invoice.paid', invoice({ billing_reason: 'manual\u001b' }), /billing_reason/],
  ['a credit note whose invoice is a number', 'credit_note.created', creditNote({ invoice: 7 }), /invoice/],
  ['a credit note with a fractional post_payment_amount', 'credit_note.voided', creditNote({ post_payment_amount: 2.5 }), /post_payment_amount/],
  ['a checkout session with amount_total "abc"', 'checkout.session.completed', session({ amount_total: 'abc' }), /amount_total/],
  ['a checkout session whose id is not cs_…', 'checkout.session.completed', session({ id: '../cs' }), /id/],
  ['a checkout session with an unknown payment_status', 'checkout.session.completed', session({ payment_status: 'maybe' }), /payment_status/],
  ['a checkout session whose customer has a NUL', 'checkout.session.completed', session({ customer: 'cus_alice\u0000' }), /customer/],
  ['a checkout session with a 4-letter currency', 'checkout.session.async_payment_succeeded', session({ currency: 'usdx' }), /currency/],
  ['a checkout session whose payment_intent is a number', 'checkout.session.async_payment_succeeded', session({ payment_intent: 42 }), /payment_intent/],
  ['a failed checkout session without a mode', 'checkout.session.async_payment_failed', session({ mode: undefined, payment_status: 'unpaid' }), /mode/],
  ['a checkout session whose metadata value is a number', 'checkout.session.completed', session({ metadata: { topup_sync: 1 } }), /metadata/],
];

describe.each(stores)('issue 8 #9 on %s: signed events whose object has the wrong shape', (_store, databaseUrl) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'silent', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) }, customers: [ALICE] });
  });
  afterAll(async () => {
    await h.stop();
    if (databaseUrl) await dropSchema(schema);
  });

  test.each(cases)('%s → 200 ignored, recorded with the reason, nothing queued', async (_what, type, object, field) => {
    const event = h.stripe.makeEvent(type, object);
    const res = await h.postEvent(event);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ received: true, outcome: 'ignored' });
    const stored = await h.service.store.events.get(event.id);
    expect(stored?.outcome).toBe('ignored');
    expect(stored?.note).toMatch(/^invalid (payment_intent|refund|dispute|checkout session|invoice|credit note) object: /);
    expect(stored?.note).toMatch(field);
    expect(stored?.note.length).toBeLessThanOrEqual(301);
    // Stripe's retry is a duplicate, not another attempt.
    expect((await h.postEvent(event)).body.outcome).toBe('duplicate');
  });

  test('nothing reached the outbox or Moesif, and the customer\'s balance still answers', async () => {
    await settle(60);
    await expectNothingCredited(h);
    const balance = await h.http.get('/balance?customer_id=cus_alice').set('Authorization', apiKeyAuth);
    expect(balance.status, balance.text).toBe(200);
    expect(balance.body.in_flight).toEqual([]);
  });

  test('a well-formed event next to them is credited (control)', async () => {
    const good = topUpPaymentIntent();
    expect((await h.postEvent(h.stripe.makeEvent('payment_intent.succeeded', good))).body.outcome).toBe('queued');
  });
});
