import Stripe from 'stripe';
import { CHECKOUT_PACK_RATE, drawPackCredits, paidSession, soakMetadata } from './checkout-pack.js';
import { drawInvoice, INVOICE_RATE, paidInvoiceObject, type PlannedInvoice } from './invoice-purchase.js';
import { Rng } from './rng.js';

/**
 * The soak's event plan: which top-ups and refunds happen and in which order their webhooks are
 * delivered (duplicates, second event ids, refunds before their payment, shuffled windows).
 * Everything but the `created` timestamps is a function of the seed.
 */

export const SOAK_CURRENCIES = ['usd', 'eur', 'jpy', 'kwd'] as const;
export type SoakCurrency = (typeof SOAK_CURRENCIES)[number];

export interface SoakCustomer {
  customerId: string;
  companyId: string;
  subscriptionId: string;
}

export interface PlannedRefund {
  id: string;
  paymentIntentId: string;
  amountMinor: number;
  currency: SoakCurrency;
  /** The status refund.created carries. */
  createdStatus: 'succeeded' | 'pending';
  /** Set when a later event says the refund failed or was canceled: a compensating credit is due. */
  undoneAs: 'failed' | 'canceled' | null;
  /** Planned to be delivered before its PaymentIntent's payment_intent.succeeded. */
  plannedBeforePayment: boolean;
}

export interface PlannedTopUp {
  index: number;
  customer: SoakCustomer;
  amountMinor: number;
  currency: SoakCurrency;
  /** A pack bought through a hosted checkout: the credits it buys (two events, one credit); else null. */
  packCredits: string | null;
  paymentIntent: Stripe.PaymentIntent;
  refunds: PlannedRefund[];
}

export interface PlannedDelivery {
  /** Position in the delivery order. */
  seq: number;
  eventId: string;
  eventType: string;
  /** The PaymentIntent or refund the event is about. */
  subject: string;
  /** The exact JSON body (signed at send time, as Stripe signs each attempt). */
  body: string;
  /** A second delivery of an event id already in the plan. */
  repeat: boolean;
}

export interface PlanCounts {
  topUps: number;
  byCurrency: Record<SoakCurrency, number>;
  checkoutPacks: number;
  /** One-off invoices of packs, and their refunds. */
  invoices: number;
  invoiceRefunds: number;
  refunds: number;
  fullRefunds: number;
  partialRefunds: number;
  refundReversals: number;
  refundsPlannedBeforePayment: number;
  /** Refunds whose first delivery comes before their PaymentIntent's first success delivery. */
  refundsSentBeforePayment: number;
  /** Reversal events sent before the refund.created of the same refund. */
  reversalsSentBeforeRefund: number;
  distinctEvents: number;
  deliveries: number;
  /** The same event id delivered a second time. */
  duplicateDeliveries: number;
  /** A second event id about an object already announced (payment_intent.succeeded or refund.updated again). */
  extraEventIds: number;
}

export interface SoakPlan {
  seed: number;
  customers: SoakCustomer[];
  topUps: PlannedTopUp[];
  /** One-off invoices of credit packs (issue 10): invoice.paid credits each line. */
  invoices: PlannedInvoice[];
  deliveries: PlannedDelivery[];
  counts: PlanCounts;
}

export interface PlanOptions {
  topUps: number;
  seed: number;
  customers?: number;
  duplicateRate?: number;
  extraEventRate?: number;
  refundRate?: number;
  refundFailRate?: number;
  refundBeforePaymentRate?: number;
  secondRefundRate?: number;
  /** Deliveries are shuffled within consecutive windows of this size. */
  shuffleWindow?: number;
}

/** Amounts in Stripe minor units that Stripe would accept (three-decimal amounts end in 0). */
function drawAmount(rng: Rng, currency: SoakCurrency): number {
  switch (currency) {
    case 'usd':
    case 'eur':
      return rng.int(50, 250_000);
    case 'jpy':
      return rng.int(50, 150_000);
    case 'kwd':
      return rng.int(10, 9_000) * 10;
  }
}

/** The smallest refundable step: kwd refunds keep the trailing 0 too. */
const unitOf = (currency: SoakCurrency) => (currency === 'kwd' ? 10 : 1);

interface Slotted {
  slot: number;
  delivery: Omit<PlannedDelivery, 'seq'>;
}

export function buildPlan(options: PlanOptions): SoakPlan {
  const rng = Rng.derive(options.seed, 'plan');
  const n = options.topUps;
  const duplicateRate = options.duplicateRate ?? 0.2;
  const extraEventRate = options.extraEventRate ?? 0.04;
  const refundRate = options.refundRate ?? 0.15;
  const refundFailRate = options.refundFailRate ?? 1 / 3;
  const beforeRate = options.refundBeforePaymentRate ?? 0.3;
  const secondRefundRate = options.secondRefundRate ?? 0.2;
  const window = options.shuffleWindow ?? 16;
  const tag = `soak${options.seed}`;
  const createdBase = Math.floor(Date.now() / 1000) - 60;

  const customers: SoakCustomer[] = Array.from({ length: options.customers ?? 5 }, (_, i) => ({
    customerId: `cus_soak_${i + 1}`,
    companyId: `co_soak_${i + 1}`,
    subscriptionId: `sub_soak_${i + 1}`,
  }));

  let eventCounter = 0;
  const slotted: Slotted[] = [];
  const counts: PlanCounts = {
    topUps: n,
    byCurrency: { usd: 0, eur: 0, jpy: 0, kwd: 0 },
    checkoutPacks: 0,
    invoices: 0,
    invoiceRefunds: 0,
    refunds: 0,
    fullRefunds: 0,
    partialRefunds: 0,
    refundReversals: 0,
    refundsPlannedBeforePayment: 0,
    refundsSentBeforePayment: 0,
    reversalsSentBeforeRefund: 0,
    distinctEvents: 0,
    deliveries: 0,
    duplicateDeliveries: 0,
    extraEventIds: 0,
  };

  /** One event, delivered at `slot` and, for ~duplicateRate of events, once more a little later. */
  const announce = (type: string, object: { id: string }, slot: number, extra = false) => {
    const event = {
      id: `evt_${tag}_${++eventCounter}`,
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: createdBase + Math.max(0, Math.floor(slot / 50)),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
    const body = JSON.stringify(event);
    counts.distinctEvents += 1;
    if (extra) counts.extraEventIds += 1;
    const delivery = { eventId: event.id, eventType: type, subject: object.id, body, repeat: false };
    slotted.push({ slot, delivery });
    if (rng.chance(duplicateRate)) {
      slotted.push({ slot: slot + rng.int(0, 150) + 0.25, delivery: { ...delivery, repeat: true } });
      counts.duplicateDeliveries += 1;
    }
  };

  const refundObject = (r: PlannedRefund, status: string, chargeId: string) => ({
    id: r.id,
    object: 'refund',
    amount: r.amountMinor,
    currency: r.currency,
    payment_intent: r.paymentIntentId,
    charge: chargeId,
    status,
    reason: 'requested_by_customer',
    created: createdBase,
    metadata: {},
    balance_transaction: null,
    ...(status === 'failed' ? { failure_reason: 'expired_or_canceled_card' } : {}),
  });

  // Invoices draw from their own stream, so adding them leaves the top-ups' draws as they were.
  const invoiceRng = Rng.derive(options.seed, 'invoices');
  const invoices: PlannedInvoice[] = [];
  const topUps: PlannedTopUp[] = [];
  for (let k = 0; k < n; k++) {
    if (invoiceRng.chance(INVOICE_RATE)) {
      const invoice = drawInvoice(invoiceRng, tag, k, invoiceRng.pick(customers), createdBase);
      invoices.push(invoice);
      counts.invoices += 1;
      announce('invoice.paid', paidInvoiceObject(invoice, createdBase), k + 0.75);
      // Its PaymentIntent's success (no metadata of ours) comes before or after, and credits nothing.
      announce('payment_intent.succeeded', invoice.paymentIntent, k + invoiceRng.int(-10, 10) + 0.875);
      if (invoiceRng.chance(refundRate * 2)) {
        const full = invoiceRng.chance(0.3);
        const refund: PlannedRefund = {
          id: `re_${tag}_inv_${k}`,
          paymentIntentId: invoice.paymentIntent.id,
          amountMinor: full ? invoice.amountPaid : invoiceRng.int(1, invoice.amountPaid - 1),
          currency: 'usd',
          createdStatus: 'succeeded',
          undoneAs: invoiceRng.chance(refundFailRate) ? 'failed' : null,
          plannedBeforePayment: invoiceRng.chance(beforeRate),
        };
        invoice.refunds.push(refund);
        counts.invoiceRefunds += 1;
        const slot = refund.plannedBeforePayment ? k - invoiceRng.int(1, 30) - 0.5 : k + invoiceRng.int(1, 60) + 0.5;
        announce('refund.created', refundObject(refund, 'succeeded', String(invoice.paymentIntent.latest_charge)), slot);
        if (refund.undoneAs) announce('refund.failed', refundObject(refund, 'failed', String(invoice.paymentIntent.latest_charge)), slot + invoiceRng.int(-20, 60) + 0.125);
      }
    }
    const customer = rng.pick(customers);
    const currency = rng.pick(SOAK_CURRENCIES);
    const amountMinor = drawAmount(rng, currency);
    counts.byCurrency[currency] += 1;
    const piId = `pi_${tag}_${k}`;
    const chargeId = `ch_${tag}_${k}`;
    const packCredits = rng.chance(CHECKOUT_PACK_RATE) ? drawPackCredits(rng) : null;
    const tagMetadata = soakMetadata(customer, packCredits);
    const paymentIntent = {
      id: piId,
      object: 'payment_intent',
      amount: amountMinor,
      amount_received: amountMinor,
      currency,
      customer: customer.customerId,
      status: 'succeeded',
      client_secret: `${piId}_secret_soak`,
      metadata: tagMetadata,
      payment_method: 'pm_card_visa',
      latest_charge: chargeId,
      description: null,
      last_payment_error: null,
      livemode: false,
      created: createdBase,
    } as unknown as Stripe.PaymentIntent;

    const topUp: PlannedTopUp = { index: k, customer, amountMinor, currency, packCredits, paymentIntent, refunds: [] };
    topUps.push(topUp);
    announce('payment_intent.succeeded', paymentIntent, k);
    if (packCredits) {
      counts.checkoutPacks += 1;
      announce('checkout.session.completed', paidSession(`cs_${tag}_${k}`, customer, piId, amountMinor, currency, tagMetadata), k + rng.int(-10, 10) + 0.625);
    }
    if (rng.chance(extraEventRate)) announce('payment_intent.succeeded', paymentIntent, k + rng.int(1, 100) + 0.5, true);

    if (!rng.chance(refundRate)) continue;
    const unit = unitOf(currency);
    const units = amountMinor / unit;
    const amounts: number[] = [];
    if (units < 2 || rng.chance(0.4)) {
      amounts.push(amountMinor);
      counts.fullRefunds += 1;
    } else {
      const first = rng.int(1, units - 1);
      amounts.push(first * unit);
      counts.partialRefunds += 1;
      if (units - first >= 1 && rng.chance(secondRefundRate)) {
        amounts.push(rng.int(1, units - first) * unit);
        counts.partialRefunds += 1;
      }
    }
    amounts.forEach((amount, j) => {
      const refund: PlannedRefund = {
        id: `re_${tag}_${k}_${j}`,
        paymentIntentId: piId,
        amountMinor: amount,
        currency,
        createdStatus: rng.chance(0.25) ? 'pending' : 'succeeded',
        undoneAs: rng.chance(refundFailRate) ? (rng.chance(0.8) ? 'failed' : 'canceled') : null,
        plannedBeforePayment: rng.chance(beforeRate),
      };
      topUp.refunds.push(refund);
      counts.refunds += 1;
      if (refund.undoneAs) counts.refundReversals += 1;
      if (refund.plannedBeforePayment) counts.refundsPlannedBeforePayment += 1;
      const refundSlot = refund.plannedBeforePayment ? k - rng.int(1, 30) - 0.5 : k + rng.int(1, 60) + 0.5;
      announce('refund.created', refundObject(refund, refund.createdStatus, chargeId), refundSlot);
      if (refund.undoneAs) {
        // Mostly later; sometimes the failure overtakes the creation event.
        const undoSlot = rng.chance(0.8) ? refundSlot + rng.int(1, 60) + 0.125 : refundSlot - rng.int(1, 20) - 0.125;
        const type = refund.undoneAs === 'failed' && rng.chance(0.3) ? 'refund.failed' : 'refund.updated';
        announce(type, refundObject(refund, refund.undoneAs, chargeId), undoSlot);
      } else if (rng.chance(0.1)) {
        // A second event id about the same refund, with nothing new in it.
        announce('refund.updated', refundObject(refund, 'succeeded', chargeId), refundSlot + rng.int(1, 80) + 0.375, true);
      }
    });
  }

  slotted.sort((a, b) => a.slot - b.slot);
  for (let from = 0; from < slotted.length; from += window) rng.shuffle(slotted, from, Math.min(from + window, slotted.length));
  const deliveries: PlannedDelivery[] = slotted.map((s, seq) => ({ seq, ...s.delivery }));
  counts.deliveries = deliveries.length;

  // What the order actually is after shuffling (the rates above are only intentions).
  const firstSeq = new Map<string, number>();
  for (const d of deliveries) {
    const key = `${d.eventType}|${d.subject}`;
    if (!firstSeq.has(key)) firstSeq.set(key, d.seq);
  }
  for (const t of topUps) {
    const paid = firstSeq.get(`payment_intent.succeeded|${t.paymentIntent.id}`)!;
    for (const r of t.refunds) {
      const created = firstSeq.get(`refund.created|${r.id}`)!;
      if (created < paid) counts.refundsSentBeforePayment += 1;
      const undo = Math.min(firstSeq.get(`refund.updated|${r.id}`) ?? Infinity, firstSeq.get(`refund.failed|${r.id}`) ?? Infinity);
      if (r.undoneAs && undo < created) counts.reversalsSentBeforeRefund += 1;
    }
  }
  return { seed: options.seed, customers, topUps, invoices, deliveries, counts };
}
