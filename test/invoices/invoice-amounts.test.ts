import { describe, expect, it } from 'vitest';
import { invoicePurchase, spreadMovement, type InvoicePurchase } from '../../src/invoices/invoice-credit.js';
import { allocate } from '../../src/money/allocate.js';
import { formatCredits, parseCredits } from '../../src/packs/credit-amount.js';
import type { InvoiceInfo } from '../../src/stripe/invoice-info.js';

/** A small seeded generator (mulberry32): the property runs are the same on every machine. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const micro = (text: string | null): bigint => (text === null ? 0n : (parseCredits(text) ?? 0n));
const whom = { companyId: 'cus_a', subscriptionId: null };

function invoice(lines: InvoiceInfo['lines'], fields: Partial<InvoiceInfo> = {}): InvoiceInfo {
  const paid = lines.reduce((s, l) => s + Math.max(l.amountMinor, 0), 0);
  return { id: 'in_1', status: 'paid', customerId: 'cus_a', billingReason: 'manual', amountPaidMinor: paid, currency: 'usd', metadata: {}, lines, paymentIntentIds: ['pi_1'], ...fields };
}
const pack = (id: string, amountMinor: number, quantity: number, perUnit: string) => ({ id, priceId: `price_${id}`, quantity, amountMinor, creditsPerUnit: perUnit });
const plain = (id: string, amountMinor: number) => ({ id, priceId: `price_${id}`, quantity: 1, amountMinor, creditsPerUnit: null });

describe('allocate: exact proportional split of minor units', () => {
  it.each([
    [100, [1, 1, 1], [34, 33, 33]],
    [7000, [15000, 20000], [3000, 4000]],
    [1, [1, 1], [1, 0]],
    [0, [5, 0], [0, 0]],
  ])('%i over %j → %j', (total, weights, expected) => {
    expect(allocate(total, weights)).toEqual(expected);
  });

  it('property: shares add up to the total, never exceed their weight, and splitting the weights gives them back', () => {
    const next = random(424242);
    for (let run = 0; run < 2_000; run++) {
      const weights: number[] = Array.from({ length: 1 + Math.floor(next() * 6) }, () => Math.floor(next() * 1e8));
      if (!weights.some((w) => w > 0)) weights[0] = 1;
      const sum = weights.reduce((a, w) => a + w, 0);
      const total = Math.floor(next() * (sum + 1));
      const shares = allocate(total, weights);
      expect(shares.reduce((a, s) => a + s, 0)).toBe(total);
      shares.forEach((s, i) => expect(s <= weights[i]! && s >= 0).toBe(true));
      expect(allocate(sum, weights)).toEqual(weights);
    }
  });
});

describe('an invoice’s credits and what takes them back', () => {
  it('packs win over the marker; a subscription invoice without packs, an unpaid or unmarked invoice buy nothing', () => {
    expect(invoicePurchase(invoice([plain('il_a', 1000)], { metadata: { topup_sync: 'v1' }, billingReason: 'subscription_cycle' }))).toMatchObject({ ok: false });
    expect(invoicePurchase(invoice([plain('il_a', 1000)]))).toMatchObject({ ok: false, reason: expect.stringMatching(/not a credit purchase/) });
    expect(invoicePurchase(invoice([pack('il_a', 1000, 1, '5')], { status: 'open' }))).toMatchObject({ ok: false });
    const mixed = invoicePurchase(invoice([pack('il_a', 1000, 2, '5'), plain('il_b', 500)], { metadata: { topup_sync: 'v1' } }));
    expect(mixed).toMatchObject({ ok: true, purchase: { lines: [{ lineId: 'il_a', credited: true, credits: '10' }, { lineId: 'il_b', credited: false, credits: null }] } });
  });

  it('property: a full refund takes back exactly every line’s credits; partial ones never more than credited, and at most one micro-credit per line short of the exact share', () => {
    const next = random(20261202);
    for (let run = 0; run < 1_000; run++) {
      const count = 1 + Math.floor(next() * 4);
      const lines = Array.from({ length: count }, (_, i) =>
        next() < 0.7 ? pack(`il_${i}`, 100 + Math.floor(next() * 1e6), 1 + Math.floor(next() * 5), formatCredits(BigInt(1 + Math.floor(next() * 1e10)))) : plain(`il_${i}`, 1 + Math.floor(next() * 1e6)),
      );
      const found = invoicePurchase(invoice(lines, { metadata: { topup_sync: 'v1' } }));
      if (!found.ok) throw new Error(found.reason);
      const purchase: InvoicePurchase = found.purchase;
      const credited = purchase.lines.filter((l) => l.credited);
      const full = spreadMovement(purchase, { transactionId: 're_full', kind: 'debit', amountMinor: purchase.paidMinor, currency: 'usd', description: 'r' }, whom);
      for (const line of credited) {
        const entry = full.find((e) => e.transactionId === `re_full:${line.lineId}`)!;
        expect(entry.credits).toBe(line.credits);
        expect(entry.amountMinor).toBe(Math.max(line.paidShareMinor, 1));
      }
      // Up to 4 partial refunds that together refund everything.
      let left = purchase.paidMinor;
      const taken = new Map<string, bigint>();
      for (let r = 0; left > 0 && r < 4; r++) {
        const amount = r === 3 ? left : Math.max(1, Math.floor(next() * left));
        for (const e of spreadMovement(purchase, { transactionId: `re_${r}`, kind: 'debit', amountMinor: amount, currency: 'usd', description: 'r' }, whom)) {
          const line = e.transactionId.split(':')[1]!;
          taken.set(line, (taken.get(line) ?? 0n) + micro(e.credits));
          expect(e.transactionId).toBe(`re_${r}:${line}`);
        }
        left -= amount;
      }
      for (const line of credited.filter((l) => l.credits !== null)) {
        const got = taken.get(line.lineId) ?? 0n;
        expect(got <= micro(line.credits)).toBe(true);
        expect(micro(line.credits) - got < 4n).toBe(true);
      }
    }
  });
});

describe('an invoice as read from Stripe', () => {
  it('keeps what the invoice kept: an overpayment goes to the customer’s credit balance, not to the credits', async () => {
    const { toInvoiceInfo } = await import('../../src/stripe/invoice-info.js');
    const line = { id: 'il_1', amount: 1000, quantity: 1, pricing: { type: 'price_details', price_details: { price: 'price_1', product: 'prod_1' } } };
    const info = toInvoiceInfo(
      { id: 'in_1', status: 'paid', customer: { id: 'cus_a' }, billing_reason: 'manual', amount_paid: 1500, amount_overpaid: 500, currency: 'USD', metadata: null } as never,
      [line as never],
      new Map([['price_1', '10']]),
      ['pi_1'],
    );
    expect(info).toMatchObject({ amountPaidMinor: 1000, customerId: 'cus_a', currency: 'usd', metadata: {}, lines: [{ id: 'il_1', priceId: 'price_1', creditsPerUnit: '10', quantity: 1 }] });
  });
});
