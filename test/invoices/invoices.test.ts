import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permutations } from '../checkout/checkout-helpers.js';
import { deliver, drain, expectNoDuplicatesAtMoesif, ledgerOf, makeDispute, makeRefund, sortTx } from '../ledger/ledger-helpers.js';
import { harnessPerTest, startHarness, type Harness } from '../support/harness.js';
import { paidInvoice, twoPacks } from './invoice-helpers.js';

/**
 * Issue 10, item 4: one-off invoices. invoice.paid credits each pack line (quantity × N, exact,
 * transaction id `in_…:il_…`), or a marked invoice's amount paid at CREDIT_RATES; subscription
 * invoices only their pack lines; the invoice's own PaymentIntent never.
 */
describe('invoice.paid', () => {
  const start = harnessPerTest();

  it('a 2-line pack invoice → one credit per line, quantity × N exactly, ids in_…:il_…, to the customer’s subscription', async () => {
    const h = await start();
    const { small, large } = twoPacks(h);
    const inv = paidInvoice(h, { customer: 'cus_alice', lines: [{ price: small, quantity: 3 }, { price: large, quantity: 2 }] });
    const [a, b] = inv.lines.map((l) => `${inv.invoice.id}:${l}`) as [string, string];
    expect(a).toMatch(/^in_\w+:il_\w+$/);
    await deliver(h, inv.paid, 'queued');
    await drain(h, [a, b]);
    expect(await h.service.store.outbox.get(a)).toMatchObject({ kind: 'credit', credits: '1500', amountMinor: 15000, currency: 'usd', customerId: 'cus_alice', companyId: 'cus_alice' });
    expect(await h.service.store.outbox.get(b)).toMatchObject({ kind: 'credit', credits: '22000', amountMinor: 20000 });
    expect(ledgerOf(h)).toEqual(
      sortTx([
        { transaction_id: a, type: 'credit', amount: 1500 },
        { transaction_id: b, type: 'credit', amount: 22000 },
      ]),
    );
    expect(h.moesif.ledger.get(a)).toMatchObject({ company_id: 'cus_alice', subscription_id: 'sub_alice' });
    // Its PaymentIntent is never credited on its own (with or without the untagged setting: see below).
    await deliver(h, inv.piSucceeded(), 'ignored');
    await deliver(h, inv.paid, 'duplicate');
  });

  it('a marked invoice without packs → its amount paid at CREDIT_RATES, spread over its lines', async () => {
    const h = await start({ CREDIT_RATES: 'usd:2' });
    const consulting = h.stripe.addPrice({ unitAmount: 1500, currency: 'usd', name: 'API credits (B2B)' });
    const extra = h.stripe.addPrice({ unitAmount: 500, currency: 'usd', name: 'API credits top-up' });
    const inv = paidInvoice(h, { customer: 'cus_alice', lines: [{ price: consulting }, { price: extra }], metadata: { topup_sync: 'v1' } });
    await deliver(h, inv.paid, 'queued');
    const ids = inv.lines.map((l) => `${inv.invoice.id}:${l}`);
    await drain(h, ids);
    expect(ids.map((id) => h.moesif.ledger.get(id)?.amount)).toEqual([30, 10]);
    expect(h.moesif.ledger.size).toBe(2);
    expect(await h.service.store.outbox.get(ids[0]!)).toMatchObject({ amountMinor: 1500, credits: null });
  });

  it.each([
    ['an untagged one-off invoice (no pack, no marker)', 'manual', /not a credit purchase/],
    ['a subscription invoice, even with the marker', 'subscription_cycle', /subscription invoice \(subscription_cycle\) without credit packs/],
  ] as const)('%s → nothing, recorded as ignored with the reason; its PaymentIntent → nothing either', async (_name, billingReason, reason) => {
    for (const untagged of ['false', 'true']) {
      const h = await start({ CREDIT_UNTAGGED_PAYMENT_INTENTS: untagged });
      const monthly = h.stripe.addPrice({ unitAmount: 2900, currency: 'usd', recurring: billingReason !== 'manual' });
      const inv = paidInvoice(h, {
        customer: 'cus_alice',
        lines: [{ price: monthly }],
        billingReason,
        subscription: billingReason === 'manual' ? undefined : 'sub_alice',
        metadata: billingReason === 'manual' ? {} : { topup_sync: 'v1' },
      });
      await deliver(h, inv.paid, 'ignored');
      expect((await h.service.store.events.get(inv.paid.id))?.note).toMatch(reason);
      await deliver(h, inv.piSucceeded(), 'ignored');
      expect((await h.service.store.events.get(inv.piSucceeded().id))?.note).toMatch(untagged === 'true' ? /paid invoice in_\w+: credited from its own events/ : /not a top-up/);
      expect(await h.service.store.outbox.countByState()).toMatchObject({ pending: 0, delivered: 0, failed: 0, dead: 0 });
    }
  });

  it('a subscription invoice with a pack line → only the pack line is credited', async () => {
    const h = await start();
    const { small } = twoPacks(h);
    const monthly = h.stripe.addPrice({ unitAmount: 2900, currency: 'usd', recurring: true });
    const inv = paidInvoice(h, { customer: 'cus_alice', lines: [{ price: monthly }, { price: small, quantity: 2 }], billingReason: 'subscription_update', subscription: 'sub_alice' });
    await deliver(h, inv.paid, 'queued');
    const packLine = `${inv.invoice.id}:${inv.lines[1]}`;
    await drain(h, [packLine]);
    expect(ledgerOf(h)).toEqual([{ transaction_id: packLine, type: 'credit', amount: 1000 }]);
  });

  it('an invoice paid through a Checkout Session (invoice_creation) is credited by the session, never by its invoice too', async () => {
    const h = await start();
    const { small } = twoPacks(h);
    const inv = paidInvoice(h, { customer: 'cus_alice', lines: [{ price: small }] });
    // Stripe lists the session that made the payment: the checkout owns it.
    h.stripe.checkoutSessions.set('cs_test_made_invoice', { id: 'cs_test_made_invoice', object: 'checkout.session', payment_intent: inv.pi } as never);
    await deliver(h, inv.paid, 'ignored');
    expect((await h.service.store.events.get(inv.paid.id))?.note).toMatch(/paid through checkout session cs_test_made_invoice/);
  });
});

/** Every order and repetition of the three ways a paid invoice is noticed ends in one credit per line. */
describe('invoice credits are exactly once under any order and repetition', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'silent', CREDIT_UNTAGGED_PAYMENT_INTENTS: 'true' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  const steps = ['invoice.paid', 'payment_intent.succeeded', 'sweep'] as const;
  it.each(permutations(steps).map((order) => [order.join(' → '), order] as const))('%s, each twice', async (_name, order) => {
    const { small, large } = twoPacks(h);
    const since = Math.floor(Date.now() / 1000) - 5;
    const inv = paidInvoice(h, { customer: 'cus_alice', lines: [{ price: small }, { price: large, quantity: 3 }] });
    for (const step of [...order, ...order]) {
      if (step === 'sweep') await h.service.reconcileNow(since);
      else await deliver(h, step === 'invoice.paid' ? inv.paid : inv.piSucceeded());
    }
    const ids = inv.lines.map((l) => `${inv.invoice.id}:${l}`);
    await drain(h, ids);
    expect(ledgerOf(h, (t) => t.transaction_id.startsWith(inv.invoice.id))).toEqual(
      [
        { transaction_id: ids[0]!, type: 'credit', amount: 500 },
        { transaction_id: ids[1]!, type: 'credit', amount: 33000 },
      ].sort((x, y) => x.transaction_id.localeCompare(y.transaction_id)),
    );
    expect(h.moesif.ledger.has(inv.pi)).toBe(false);
    expectNoDuplicatesAtMoesif(h);
  });
});

/**
 * Issue 10, item 4: refunds, credit notes and disputes of an invoice take back credits by the
 * packs' rule (credits × taken ÷ paid, rounded down to the micro-credit; all = exactly all),
 * spread over the lines it credited with deterministic ids `<refund|credit note|dispute>:<line>`.
 */
describe('taking back an invoice’s credits', () => {
  const start = harnessPerTest();

  async function packInvoice(h: Harness) {
    const { small, large } = twoPacks(h);
    const inv = paidInvoice(h, { customer: 'cus_alice', lines: [{ price: small, quantity: 3 }, { price: large, quantity: 2 }] });
    const [a, b] = inv.lines as [string, string];
    return { ...inv, a, b };
  }

  it('a partial refund (20% of 350.00) takes back 20% of each line: 300 and 4,400 credits; its repeats change nothing', async () => {
    const h = await start();
    const inv = await packInvoice(h);
    await deliver(h, inv.paid, 'queued');
    const refund = makeRefund(inv.pi, { id: 're_inv20', amount: 7000 });
    await deliver(h, h.stripe.makeEvent('refund.created', refund), 'queued');
    await deliver(h, h.stripe.makeEvent('refund.updated', refund));
    await drain(h, [`re_inv20:${inv.a}`, `re_inv20:${inv.b}`]);
    expect(h.moesif.ledger.get(`re_inv20:${inv.a}`)).toMatchObject({ type: 'debit', amount: 300 });
    expect(h.moesif.ledger.get(`re_inv20:${inv.b}`)).toMatchObject({ type: 'debit', amount: 4400 });
    expect(await h.service.store.outbox.get(`re_inv20:${inv.a}`)).toMatchObject({ amountMinor: 3000, credits: '300', companyId: 'cus_alice' });
    expectNoDuplicatesAtMoesif(h);
  });

  it('a refund seen before invoice.paid converges on the same ledger; a full refund takes back exactly all', async () => {
    const h = await start();
    const inv = await packInvoice(h);
    const refund = makeRefund(inv.pi, { id: 're_invall', amount: 35000 });
    await deliver(h, h.stripe.makeEvent('refund.created', refund), 'queued');
    await deliver(h, inv.paid, 'queued');
    await drain(h, [`re_invall:${inv.a}`, `${inv.invoice.id}:${inv.b}`]);
    const balance = ledgerOf(h).reduce((sum, t) => sum + (t.type === 'credit' ? t.amount : -t.amount), 0);
    expect(balance).toBe(0);
    expect(h.moesif.ledger.get(`re_invall:${inv.b}`)).toMatchObject({ type: 'debit', amount: 22000 });
  });

  it('a credit note to the customer’s balance (10%) debits 10% of each line; voided, it gives them back; created/voided in any order', async () => {
    for (const order of [['created', 'voided'], ['voided', 'created']] as const) {
      const h = await start();
      const inv = await packInvoice(h);
      await deliver(h, inv.paid, 'queued');
      const note = h.stripe.issueCreditNote({ invoice: inv.invoice.id, amount: 3500, credit_amount: 3500 });
      const created = h.stripe.events.find((e) => e.type === 'credit_note.created' && (e.data.object as { id: string }).id === note.id)!;
      const voided = h.stripe.makeEvent('credit_note.voided', { ...structuredClone(note), status: 'void' });
      for (const step of order) await deliver(h, step === 'created' ? created : voided);
      const ids = [`${note.id}:${inv.a}`, `${note.id}:${inv.b}`, `${note.id}:voided:${inv.a}`, `${note.id}:voided:${inv.b}`];
      await drain(h, ids);
      expect(ids.map((id) => [h.moesif.ledger.get(id)?.type, h.moesif.ledger.get(id)?.amount])).toEqual([
        ['debit', 150],
        ['debit', 2200],
        ['credit', 150],
        ['credit', 2200],
      ]);
    }
  });

  it('a credit note that refunds the card is taken back once: by its refund, the credit note itself moves nothing', async () => {
    const h = await start();
    const inv = await packInvoice(h);
    await deliver(h, inv.paid, 'queued');
    const note = h.stripe.issueCreditNote({ invoice: inv.invoice.id, amount: 3500, refund_amount: 3500 });
    const refundEvent = h.stripe.events.find((e) => e.type === 'refund.created' && (e.data.object as { id: string }).id === note.refunds[0]!.refund)!;
    const noteEvent = h.stripe.events.find((e) => e.type === 'credit_note.created' && (e.data.object as { id: string }).id === note.id)!;
    await deliver(h, noteEvent, 'ignored');
    await deliver(h, refundEvent, 'queued');
    const refundId = String(note.refunds[0]!.refund);
    await drain(h, [`${refundId}:${inv.a}`]);
    const debits = ledgerOf(h).filter((t) => t.type === 'debit');
    expect(debits.map((d) => d.amount).sort((x, y) => x - y)).toEqual([150, 2200]);
  });

  it('a dispute whose funds are withdrawn takes back its share; won, it is restored', async () => {
    const h = await start();
    const inv = await packInvoice(h);
    await deliver(h, inv.paid, 'queued');
    const withdrawn = makeDispute(inv.pi, { id: 'du_inv', amount: 35000, status: 'needs_response', movements: [-35000] });
    await deliver(h, h.stripe.makeEvent('charge.dispute.funds_withdrawn', withdrawn), 'queued');
    const won = makeDispute(inv.pi, { id: 'du_inv', amount: 35000, status: 'won', movements: [-35000, 35000] });
    await deliver(h, h.stripe.makeEvent('charge.dispute.closed', won), 'queued');
    await drain(h, [`du_inv:${inv.a}`, `du_inv:reinstated:${inv.b}`]);
    expect(h.moesif.ledger.get(`du_inv:${inv.b}`)).toMatchObject({ type: 'debit', amount: 22000 });
    expect(h.moesif.ledger.get(`du_inv:reinstated:${inv.b}`)).toMatchObject({ type: 'credit', amount: 22000 });
    const balance = ledgerOf(h).reduce((sum, t) => sum + (t.type === 'credit' ? t.amount : -t.amount), 0);
    expect(balance).toBe(23500);
  });
});
