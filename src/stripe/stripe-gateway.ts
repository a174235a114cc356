import Stripe from 'stripe';
import { callStripe, WebhookSignatureError } from './stripe-errors.js';
import {
  checkoutSessionParams,
  toCheckoutLine,
  toCheckoutSessionInfo,
  type CheckoutLine,
  type CheckoutSessionInfo,
  type CreateCheckoutInput,
} from './checkout-session-info.js';
import { linePriceId, toInvoiceInfo, type InvoiceInfo } from './invoice-info.js';
import { toPriceInfo, type PriceInfo } from './price-info.js';
import { parseSignedEvent } from './signed-event.js';
import { toTopUpIntent, type TopUpIntent } from './top-up-intent.js';
import { topUpMetadata, type TopUpTag } from './top-up-metadata.js';

export interface CreateTopUpIntentInput {
  customerId: string;
  amountMinor: number;
  currency: string;
  flow: 'off_session' | 'on_session';
  /** Required for off_session; optional for on_session. */
  paymentMethodId: string | null;
  tag: TopUpTag;
  /** Deterministic: a retried request must reach Stripe with the same key. */
  idempotencyKey: string;
}

export interface StripeCustomer {
  id: string;
  deleted: boolean;
  defaultPaymentMethodId: string | null;
  metadata: Record<string, string>;
}

/** Whose a subscription is: Stripe never moves a subscription to another customer. */
export interface SubscriptionOwner {
  subscriptionId: string;
  customerId: string;
  status: string;
}

/** What a PaymentIntent paid, when not a bare PaymentIntent. */
export type PaymentOwner = { kind: 'checkout_session'; id: string } | { kind: 'invoice'; id: string };

export type PaymentMethodChoice =
  | { kind: 'found'; paymentMethodId: string }
  | { kind: 'none' }
  | { kind: 'ambiguous'; count: number };

/** What confirmWithRedirect found: where to send the browser, or that nothing is left to do (succeeded, processing, canceled). */
export type RedirectConfirmation =
  | { kind: 'redirect'; url: string; customerId: string | null }
  | { kind: 'no_action'; status: Stripe.PaymentIntent.Status; customerId: string | null };

const customerIdOf = (pi: Stripe.PaymentIntent): string | null => (pi.customer === null ? null : typeof pi.customer === 'string' ? pi.customer : pi.customer.id);

/**
 * Everything the service asks of Stripe. Returns the project's own types; throws only
 * PaymentFailedError or StripeCallError (see stripe-errors.ts).
 */
export class StripeGateway {
  constructor(
    private readonly stripe: Stripe,
    private readonly webhookSecrets: readonly string[],
    private readonly toleranceSeconds: number,
  ) {}

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return callStripe(fn);
  }

  createTopUpIntent(input: CreateTopUpIntentInput): Promise<TopUpIntent> {
    const common = {
      amount: input.amountMinor,
      currency: input.currency,
      customer: input.customerId,
      metadata: topUpMetadata(input.tag),
      description: 'API credit top-up',
    };
    const params: Stripe.PaymentIntentCreateParams =
      input.flow === 'off_session'
        ? {
            ...common,
            payment_method: input.paymentMethodId ?? undefined,
            off_session: true,
            confirm: true,
            // Since API version 2023-08-16 a PaymentIntent without a list of payment method types
            // accepts the Dashboard's methods with allow_redirects=always, and Stripe refuses to
            // confirm it without a return_url, even for a saved card. Off-session nobody is there
            // to be redirected (and no redirect-based method can be charged), so say so.
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          }
        : {
            // Not confirmed here: the browser confirms with the client_secret through Stripe.js
            // (stripe.confirmPayment), which passes the return_url redirect-based methods need.
            ...common,
            ...(input.paymentMethodId ? { payment_method: input.paymentMethodId } : {}),
            automatic_payment_methods: { enabled: true },
          };
    return this.call(async () =>
      toTopUpIntent(await this.stripe.paymentIntents.create(params, { idempotencyKey: input.idempotencyKey })),
    );
  }

  /**
   * A hosted Checkout Session in payment mode. The service's metadata goes on the session and on
   * the PaymentIntent it creates (payment_intent_data.metadata), so checkout.session.completed
   * and payment_intent.succeeded of the same payment build the same credit.
   */
  createCheckoutSession(input: CreateCheckoutInput): Promise<CheckoutSessionInfo> {
    const params = checkoutSessionParams(input);
    return this.call(async () =>
      toCheckoutSessionInfo(await this.stripe.checkout.sessions.create(params, { idempotencyKey: input.idempotencyKey })),
    );
  }

  /** Null when Stripe has no such Checkout Session. */
  retrieveCheckoutSession(id: string): Promise<CheckoutSessionInfo | null> {
    return this.call(async () => {
      try {
        return toCheckoutSessionInfo(await this.stripe.checkout.sessions.retrieve(id));
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return null;
        throw err;
      }
    });
  }

  /** A session's line items, each price's product expanded (a pack's credits may be set there). */
  listCheckoutLines(sessionId: string): Promise<CheckoutLine[]> {
    return this.call(async () => {
      const lines: CheckoutLine[] = [];
      for await (const item of this.stripe.checkout.sessions.listLineItems(sessionId, { limit: 100, expand: ['data.price.product'] })) {
        lines.push(toCheckoutLine(item));
      }
      return lines;
    });
  }

  /**
   * What a PaymentIntent paid, when it paid a Checkout Session or an invoice (those are credited
   * from their own events). A PaymentIntent does not name either since API 2025-03-31: the lists
   * do. A checkout that also made an invoice (invoice_creation) is the checkout's.
   */
  paymentIntentOwner(id: string): Promise<PaymentOwner | null> {
    return this.call(async () => {
      const sessions = await this.stripe.checkout.sessions.list({ payment_intent: id, limit: 1 });
      if (sessions.data.length > 0) return { kind: 'checkout_session', id: sessions.data[0]!.id } as const;
      const payments = await this.stripe.invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: id }, limit: 1 });
      const invoice = payments.data[0]?.invoice;
      return invoice ? ({ kind: 'invoice', id: typeof invoice === 'string' ? invoice : invoice.id } as const) : null;
    });
  }

  /** The Checkout Session a PaymentIntent paid, or null. */
  checkoutSessionOfPayment(paymentIntentId: string): Promise<string | null> {
    return this.call(async () => (await this.stripe.checkout.sessions.list({ payment_intent: paymentIntentId, limit: 1 })).data[0]?.id ?? null);
  }

  /**
   * An invoice with all its lines, the credits per unit of each line's Price (or its Product),
   * and the PaymentIntents that paid it; null when Stripe has no such invoice.
   */
  retrieveInvoice(id: string): Promise<InvoiceInfo | null> {
    return this.call(async () => {
      let invoice: Stripe.Invoice;
      try {
        invoice = await this.stripe.invoices.retrieve(id);
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return null;
        throw err;
      }
      const lines: Stripe.InvoiceLineItem[] = [];
      for await (const line of this.stripe.invoices.listLineItems(id, { limit: 100 })) lines.push(line);
      // Line items name their Price; its Product's metadata needs the Price read with the product expanded.
      const credits = new Map<string, string | null>();
      for (const priceId of new Set(lines.map(linePriceId).filter((p): p is string => p !== null))) {
        credits.set(priceId, toPriceInfo(await this.stripe.prices.retrieve(priceId, { expand: ['product'] })).creditsPerUnit);
      }
      const payments = await this.stripe.invoicePayments.list({ invoice: id, limit: 100 });
      const paymentIntentIds = payments.data.flatMap((p) => {
        const pi = p.payment.payment_intent;
        return p.status === 'paid' && pi ? [typeof pi === 'string' ? pi : pi.id] : [];
      });
      return toInvoiceInfo(invoice, lines, credits, paymentIntentIds);
    });
  }

  /** Null when Stripe has no such PaymentIntent. */
  retrievePaymentIntent(id: string): Promise<TopUpIntent | null> {
    return this.call(async () => {
      try {
        return toTopUpIntent(await this.stripe.paymentIntents.retrieve(id));
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return null;
        throw err;
      }
    });
  }

  /**
   * Makes sure a PaymentIntent can no longer charge: cancels it unless it already succeeded, is
   * processing (a settling payment: canceling it is not ours to do) or is canceled. Stripe refuses
   * to confirm a canceled PaymentIntent, so a customer completing it later charges nothing.
   * Answers what it is now: 'canceled', 'succeeded', 'processing', or 'missing' (Stripe has none).
   * Two callers at once converge: the loser's cancel is refused (payment_intent_unexpected_state)
   * and the PaymentIntent is read again.
   */
  cancelOpenPaymentIntent(id: string): Promise<'canceled' | 'succeeded' | 'processing' | 'missing'> {
    const settled = (status: string) => (status === 'succeeded' || status === 'processing' || status === 'canceled' ? status : null);
    return this.call(async () => {
      let pi: Stripe.PaymentIntent;
      try {
        pi = await this.stripe.paymentIntents.retrieve(id);
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return 'missing';
        throw err;
      }
      const before = settled(pi.status);
      if (before) return before;
      try {
        pi = await this.stripe.paymentIntents.cancel(id, { cancellation_reason: 'abandoned' });
      } catch (err) {
        if ((err as { code?: string }).code !== 'payment_intent_unexpected_state') throw err;
        pi = await this.stripe.paymentIntents.retrieve(id);
      }
      const after = settled(pi.status);
      if (!after) throw new Error(`PaymentIntent ${id} is ${pi.status} after cancel`);
      return after;
    });
  }

  /**
   * Brings a customer back to a payment that needs them (3-D Secure), without Stripe.js: the
   * PaymentIntent is confirmed here, on-session, with its card and a `return_url`, and Stripe
   * answers `next_action.redirect_to_url` (it does so for a server-side confirmation with a
   * return_url instead of `use_stripe_sdk`); the browser goes there and Stripe sends it back to
   * return_url with `payment_intent` and `redirect_status`. A payment already confirmed this way
   * and still waiting is not confirmed again: its pending redirect is reused.
   */
  confirmWithRedirect(paymentIntentId: string, returnUrl: string): Promise<RedirectConfirmation> {
    return this.call(async () => {
      let pi = await this.stripe.paymentIntents.retrieve(paymentIntentId);
      if (pi.status === 'requires_payment_method' || pi.status === 'requires_confirmation') {
        // After a failed attempt Stripe keeps the card on last_payment_error.payment_method.
        const card = pi.last_payment_error?.payment_method?.id ?? (typeof pi.payment_method === 'string' ? pi.payment_method : pi.payment_method?.id);
        pi = await this.stripe.paymentIntents.confirm(paymentIntentId, { ...(card ? { payment_method: card } : {}), return_url: returnUrl });
      }
      if (pi.status === 'requires_action' && pi.next_action?.type === 'redirect_to_url' && pi.next_action.redirect_to_url?.url) {
        return { kind: 'redirect', url: pi.next_action.redirect_to_url.url, customerId: customerIdOf(pi) };
      }
      return { kind: 'no_action', status: pi.status, customerId: customerIdOf(pi) };
    });
  }

  /** Null when Stripe has no such customer. */
  getCustomer(id: string): Promise<StripeCustomer | null> {
    return this.call(async () => {
      let customer: Stripe.Customer | Stripe.DeletedCustomer;
      try {
        customer = await this.stripe.customers.retrieve(id);
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return null;
        throw err;
      }
      if (customer.deleted) return { id, deleted: true, defaultPaymentMethodId: null, metadata: {} };
      const dpm = customer.invoice_settings?.default_payment_method ?? null;
      return {
        id: customer.id,
        deleted: false,
        defaultPaymentMethodId: dpm === null ? null : typeof dpm === 'string' ? dpm : dpm.id,
        metadata: customer.metadata ?? {},
      };
    });
  }

  /** The customer's default payment method, else their only card; never an arbitrary one. */
  choosePaymentMethod(customer: StripeCustomer): Promise<PaymentMethodChoice> {
    if (customer.defaultPaymentMethodId) {
      return Promise.resolve({ kind: 'found', paymentMethodId: customer.defaultPaymentMethodId });
    }
    return this.call(async () => {
      const cards = await this.stripe.customers.listPaymentMethods(customer.id, { type: 'card', limit: 2 });
      if (cards.data.length === 0) return { kind: 'none' } as const;
      if (cards.data.length > 1) return { kind: 'ambiguous', count: cards.data.length } as const;
      return { kind: 'found', paymentMethodId: cards.data[0]!.id } as const;
    });
  }

  /** Null when Stripe has no such price. Its product is expanded (a pack's credits may be set there). */
  retrievePrice(id: string): Promise<PriceInfo | null> {
    return this.call(async () => {
      try {
        return toPriceInfo(await this.stripe.prices.retrieve(id, { expand: ['product'] }));
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return null;
        throw err;
      }
    });
  }

  /** Active one-time prices (the candidates for credit packs), their products expanded; at most 100. */
  listActiveOneTimePrices(): Promise<PriceInfo[]> {
    return this.call(async () => {
      const page = await this.stripe.prices.list({ active: true, type: 'one_time', limit: 100, expand: ['data.product'] });
      return page.data.map(toPriceInfo);
    });
  }

  /**
   * The fingerprint of a card PaymentMethod (the same card saved twice has the same one), or null
   * for another kind of PaymentMethod or one Stripe does not have.
   */
  cardFingerprint(paymentMethodId: string): Promise<string | null> {
    return this.call(async () => {
      try {
        return (await this.stripe.paymentMethods.retrieve(paymentMethodId)).card?.fingerprint ?? null;
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return null;
        throw err;
      }
    });
  }

  /**
   * The customer a PaymentMethod is attached to: null when it is attached to none, 'missing'
   * when Stripe has no such PaymentMethod.
   */
  paymentMethodCustomer(paymentMethodId: string): Promise<string | null | 'missing'> {
    return this.call(async () => {
      let pm: Stripe.PaymentMethod;
      try {
        pm = await this.stripe.paymentMethods.retrieve(paymentMethodId);
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return 'missing' as const;
        throw err;
      }
      const customer = pm.customer;
      return customer === null ? null : typeof customer === 'string' ? customer : customer.id;
    });
  }

  /**
   * Every event of these types created at or after `createdGte` (unix seconds) that Stripe still
   * keeps (30 days), newest first, page by page.
   */
  async *listEvents(types: readonly string[], createdGte: number): AsyncGenerator<Stripe.Event> {
    let startingAfter: string | undefined;
    for (;;) {
      const page = await this.call(() =>
        this.stripe.events.list({
          types: [...types],
          created: { gte: createdGte },
          limit: 100,
          ...(startingAfter ? { starting_after: startingAfter } : {}),
        }),
      );
      yield* page.data;
      if (!page.has_more || page.data.length === 0) return;
      startingAfter = page.data[page.data.length - 1]!.id;
    }
  }

  /** Null when Stripe no longer has (or never had) the event. */
  retrieveEvent(id: string): Promise<Stripe.Event | null> {
    return this.call(async () => {
      try {
        return await this.stripe.events.retrieve(id);
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return null;
        throw err;
      }
    });
  }

  /** The customer a subscription belongs to; null when Stripe has no such subscription. */
  getSubscriptionOwner(subscriptionId: string): Promise<SubscriptionOwner | null> {
    return this.call(async () => {
      let subscription: Stripe.Subscription;
      try {
        subscription = await this.stripe.subscriptions.retrieve(subscriptionId);
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return null;
        throw err;
      }
      const customer = subscription.customer;
      return {
        subscriptionId: subscription.id,
        customerId: typeof customer === 'string' ? customer : customer.id,
        status: subscription.status,
      };
    });
  }

  /**
   * Distinct ids of the customer's active (or trialing) subscriptions, at most `limit` of each
   * status. Stripe lists one status per request, so a subscription that changes status between
   * the two reads (a trial added to an active subscription) is listed by both: it is still one
   * subscription, and counting it twice would call one subscription "several". The two reads run
   * at once: a credit waiting for its subscription waits for one Stripe round trip, not two.
   */
  listActiveSubscriptionIds(customerId: string, limit = 3): Promise<string[]> {
    return this.call(async () => {
      const pages = await Promise.all(
        (['active', 'trialing'] as const).map((status) => this.stripe.subscriptions.list({ customer: customerId, status, limit })),
      );
      return [...new Set(pages.flatMap((page) => page.data.map((s) => s.id)))];
    });
  }

  /**
   * Verifies the Stripe-Signature header against every configured secret (several while one is
   * being rotated), then parses the body. Only a verification that succeeded counts: every
   * exception from stripe-node (a mismatch, an expired timestamp, but also a plain Error for a
   * header like `v1=` that it cannot even compare) means "not signed with this secret".
   * Throws WebhookSignatureError when no secret verifies; only after one did, ThinEventError for
   * a thin (v2) event notification and WebhookPayloadError when the body is not a Stripe event.
   */
  verifyEvent(rawBody: Buffer, signatureHeader: string): Stripe.Event {
    const signature = this.stripe.webhooks.signature;
    if (!signature) throw new Error('stripe-node has no webhook signature helper');
    const verified = this.webhookSecrets.some((secret) => {
      try {
        return signature.verifyHeader(rawBody, signatureHeader, secret, this.toleranceSeconds) === true;
      } catch {
        return false;
      }
    });
    if (!verified) throw new WebhookSignatureError();
    return parseSignedEvent(rawBody);
  }
}
