import { randomBytes } from 'node:crypto';
import express, { type Express } from 'express';
import Stripe from 'stripe';
import { HANDLED_EVENT_TYPES } from '../../webhooks/translate-event.js';
import { LoopbackServer } from '../listen.js';
import { checkoutPage } from './checkout-page.js';
import { threeDSecurePage } from './three-d-secure-page.js';
import { payCheckoutSession, settleCheckoutSession, type CheckoutPaymentMethod } from './checkout-payment.js';
import { checkoutSessionEndpoints } from './checkout-sessions.js';
import { creditNoteEndpoints, createCreditNote } from './credit-notes.js';
import { customerEndpoints } from './customers.js';
import { mountEndpoints, type EndpointRequest, type StripeEndpoint } from './endpoint.js';
import { eventEndpoints } from './events.js';
import { IdempotencyKeys } from './idempotency-keys.js';
import { addInvoiceLines, finalizeInvoice, invoiceEndpoints, invoicePaymentIntent, newInvoice, payInvoice, type InvoiceLineInput } from './invoices.js';
import { paymentIntentEndpoints } from './payment-intents.js';
import { paymentMethodEndpoints } from './payment-methods.js';
import { paymentOwnerEndpoints } from './payment-owners.js';
import { priceEndpoints } from './prices.js';
import { simulatorControls } from './simulator-controls.js';
import { subscriptionEndpoints } from './subscriptions.js';
import { WebhookEndpoint } from './webhook-endpoint.js';
import { invalidRequest, StripeApiError } from './stripe-error.js';
import type { CardOutcome } from './test-cards.js';
import { newId, nowSeconds, type AttachedPaymentMethod, type FakeCustomer, type StripeWorld } from './world.js';

export type { FakeCustomer } from './world.js';
export { signEvent } from './webhook-endpoint.js';

/** Every endpoint of the simulated Stripe API, mounted by FakeStripe (and enumerated by the strictness tests). */
export function stripeApiEndpoints(world: StripeWorld): StripeEndpoint[] {
  return [
    ...paymentIntentEndpoints(world),
    ...customerEndpoints(world),
    ...paymentMethodEndpoints(world),
    ...subscriptionEndpoints(world),
    ...eventEndpoints(world),
    ...checkoutSessionEndpoints(world),
    ...priceEndpoints(world),
    ...paymentOwnerEndpoints(world),
    ...invoiceEndpoints(world),
    ...creditNoteEndpoints(world),
  ];
}

/** One API request as the simulator saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  /** The body of a POST, the query of a GET or DELETE. */
  params: Record<string, unknown>;
  /** performance.now() when it arrived and when its answer was sent (null until then): the bench's Stripe time. */
  receivedAt: number;
  answeredAt: number | null;
}

/**
 * A local stand-in for the parts of Stripe's API this service uses, for the demo, the tests, the
 * soak, the bench and `npm run check:stripe -- --simulator`. The real stripe-node SDK talks to
 * it over HTTP, and it refuses what Stripe refuses (see endpoint.ts): a fake that accepts what
 * Stripe refuses hides bugs from every test. It speaks only the API version stripe-node pins.
 * Test cards follow Stripe's test PaymentMethod names (test-cards.ts).
 */
export class FakeStripe extends LoopbackServer implements StripeWorld {
  readonly customers = new Map<string, FakeCustomer>();
  readonly paymentIntents = new Map<string, Stripe.PaymentIntent>();
  readonly paymentMethods = new Map<string, AttachedPaymentMethod>();
  readonly checkoutSessions = new Map<string, Stripe.Checkout.Session>();
  readonly checkoutLineItems = new Map<string, Stripe.LineItem[]>();
  readonly checkoutPaymentIntentData = new Map<string, Record<string, unknown>>();
  readonly products = new Map<string, Stripe.Product>();
  readonly prices = new Map<string, Stripe.Price>();
  readonly invoices = new Map<string, Stripe.Invoice>();
  readonly invoicePayments = new Map<string, Stripe.InvoicePayment>();
  readonly creditNotes = new Map<string, Stripe.CreditNote>();
  readonly events: Stripe.Event[] = [];
  readonly outcomeOverrides = new Map<string, CardOutcome>();
  /** Every API request, in order. */
  readonly requests: SeenRequest[] = [];
  private readonly idempotency = new IdempotencyKeys();
  private readonly requestListeners: ((request: SeenRequest) => void)[] = [];
  private failures: number[] = [];
  private latencyMs = 0;
  private webhook: WebhookEndpoint | null = null;

  /**
   * Like a Dashboard webhook endpoint: from now on every event of `eventTypes` (default: the
   * types the README asks for) is signed and posted to `url`, shortly after the change, as Stripe would.
   */
  deliverWebhooksTo(url: string, secret: string, eventTypes: readonly string[] | '*' = HANDLED_EVENT_TYPES): this {
    this.webhook = new WebhookEndpoint(url, secret, eventTypes);
    return this;
  }

  /** Signs and posts an event to the configured webhook endpoint; returns the HTTP status. */
  async sendEvent(event: Stripe.Event): Promise<number> {
    if (!this.webhook) throw new Error('no webhook endpoint configured: call deliverWebhooksTo() first');
    return this.webhook.send(event);
  }

  addCustomer(customer: FakeCustomer): this {
    this.customers.set(customer.id, customer);
    return this;
  }

  /**
   * A Price (and its Product) as the operator would set one up in the Dashboard; `credits` goes
   * in the price's metadata, `productCredits` in the product's (`moesif_credits`). Returns the price id.
   */
  addPrice(price: {
    unitAmount: number;
    currency: string;
    credits?: string;
    productCredits?: string;
    name?: string;
    active?: boolean;
    recurring?: boolean;
  }): string {
    const product = {
      id: newId('prod'),
      object: 'product',
      active: true,
      name: price.name ?? 'API credits',
      metadata: price.productCredits ? { moesif_credits: price.productCredits } : {},
      created: nowSeconds(),
      livemode: false,
    } as unknown as Stripe.Product;
    this.products.set(product.id, product);
    const id = newId('price');
    this.prices.set(id, {
      id,
      object: 'price',
      active: price.active ?? true,
      currency: price.currency,
      unit_amount: price.unitAmount,
      type: price.recurring ? 'recurring' : 'one_time',
      recurring: price.recurring ? { interval: 'month', interval_count: 1 } : null,
      product: product.id,
      nickname: null,
      metadata: price.credits ? { moesif_credits: price.credits } : {},
      created: nowSeconds(),
      livemode: false,
    } as unknown as Stripe.Price);
    return id;
  }

  /**
   * Saves a card of its own (a distinct card number, so its own fingerprint) for a customer, as
   * attaching a newly entered card does; `makeDefault` also sets it as the default payment method.
   */
  addCard(customerId: string, fingerprint: string, makeDefault = true): string {
    const customer = this.customers.get(customerId);
    if (!customer) throw new Error(`no customer ${customerId}`);
    const id = newId('pm');
    this.paymentMethods.set(id, { id, customer: customerId, outcome: { kind: 'succeeds' }, created: nowSeconds(), fingerprint });
    customer.paymentMethods = [...(customer.paymentMethods ?? []), id];
    if (makeDefault) customer.defaultPaymentMethod = id;
    return id;
  }

  /**
   * From now on charging this PaymentMethod (an attached id or a test name) does `outcome`: a card
   * that worked is now declined (with a decline and advice code), or works again. Not Stripe's API:
   * what an issuer does on its own.
   */
  setCardOutcome(paymentMethodId: string, outcome: CardOutcome | null): void {
    if (outcome) this.outcomeOverrides.set(paymentMethodId, outcome);
    else this.outcomeOverrides.delete(paymentMethodId);
  }

  /** The next API requests answer with these HTTP statuses (e.g. 500, 503) before behaving normally. */
  /**
   * Not Stripe's behaviour but its timing: every API request (/v1/…) is answered `ms` later, as a
   * real Stripe call takes tens of milliseconds (the bench's `topup` phase measures the service's
   * own overhead on top of it).
   */
  setLatency(ms: number): this {
    this.latencyMs = Math.max(0, ms);
    return this;
  }

  failNext(...statuses: number[]): void {
    this.failures.push(...statuses);
  }

  /** Called with each API request before it is handled (e.g. to change state between two reads). */
  onRequest(listener: (request: SeenRequest) => void): this {
    this.requestListeners.push(listener);
    return this;
  }

  /** Stripe keeps idempotency keys for (at least) 24 hours; this simulates them expiring. */
  forgetIdempotencyKeys(): void {
    this.idempotency.forget();
  }

  /** Count of PaymentIntents created (idempotent replays not counted). */
  get createdPaymentIntentCount(): number {
    return this.paymentIntents.size;
  }

  /**
   * Builds and records (for /v1/events) an event as Stripe would send it, with the API version
   * stripe-node pins, without delivering it: tests post it themselves.
   */
  makeEvent<T extends Stripe.Event['type']>(type: T, object: unknown, created = nowSeconds(), request?: EndpointRequest): Stripe.Event {
    const event = {
      id: newId('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created,
      data: { object },
      livemode: false,
      pending_webhooks: this.webhook?.wants(type) ? 1 : 0,
      request: { id: request?.requestId ?? null, idempotency_key: request?.idempotencyKey ?? null },
      type,
    } as unknown as Stripe.Event;
    this.events.push(event);
    return event;
  }

  /** The event a change causes: recorded, and delivered shortly after to a subscribed webhook endpoint. */
  emit(type: Stripe.Event['type'], object: unknown, request?: EndpointRequest): Stripe.Event {
    const event = this.makeEvent(type, object, nowSeconds(), request);
    const webhook = this.webhook;
    if (webhook?.wants(type)) setTimeout(() => void webhook.send(event).catch(() => undefined), 50);
    return event;
  }

  /** The customer pays a Checkout Session on the hosted page (events sent as Stripe would). */
  payCheckoutSession(id: string, method: CheckoutPaymentMethod = 'card'): Stripe.Checkout.Session {
    return payCheckoutSession(this, id, method);
  }

  /** A delayed checkout payment settles (async_payment_succeeded or _failed). */
  settleCheckoutSession(id: string, outcome: 'succeeded' | 'failed'): Stripe.Checkout.Session {
    return settleCheckoutSession(this, id, outcome);
  }

  /**
   * An invoice made, finalized and paid with the customer's default card, as an operator does in the
   * Dashboard for a one-off invoice (billing_reason `manual`), or as Stripe's billing does for a
   * subscription (`subscription_cycle`…, with `subscription`). Its events are sent as Stripe would.
   */
  billInvoice(input: {
    customer: string;
    currency?: string;
    lines: InvoiceLineInput[];
    metadata?: Record<string, string>;
    billingReason?: Stripe.Invoice.BillingReason;
    subscription?: string;
    /** Marked paid outside Stripe instead of charging the card. */
    outOfBand?: boolean;
  }): { invoice: Stripe.Invoice; paymentIntentId: string | null } {
    const invoice = newInvoice(this, {
      customer: input.customer,
      currency: input.currency ?? 'usd',
      metadata: input.metadata ?? {},
      billingReason: input.billingReason ?? 'manual',
      subscription: input.subscription,
    });
    addInvoiceLines(
      this,
      invoice,
      input.lines.map((l) => ({ pricing: { price: l.price }, quantity: l.quantity ?? 1 })),
    );
    finalizeInvoice(this, invoice);
    if (invoice.status === 'open') payInvoice(this, invoice, input.outOfBand ? { paid_out_of_band: 'true' } : {});
    return { invoice, paymentIntentId: invoicePaymentIntent(this, invoice.id)?.id ?? null };
  }

  /** A credit note of an invoice, as the operator issues it in the Dashboard (POST /v1/credit_notes). */
  issueCreditNote(params: { invoice: string; amount: number; refund_amount?: number; credit_amount?: number; out_of_band_amount?: number }): Stripe.CreditNote {
    return createCreditNote(this, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])));
  }

  /**
   * Moves a PaymentIntent to succeeded (the customer completed it in the browser, e.g. 3-D Secure,
   * or a processing payment settled); sends no event. As Stripe, a canceled or already succeeded
   * PaymentIntent cannot be confirmed: Stripe answers 400 payment_intent_unexpected_state, "You
   * cannot confirm this PaymentIntent because it has a status of canceled. Only a PaymentIntent
   * with one of the following statuses may be confirmed: requires_confirmation, requires_action,
   * requires_payment_method." (thrown here as that StripeApiError; nothing changes).
   */
  succeed(paymentIntentId: string): Stripe.PaymentIntent {
    const pi = this.paymentIntents.get(paymentIntentId);
    if (!pi) throw new Error(`no payment intent ${paymentIntentId}`);
    if (!COMPLETABLE.includes(pi.status)) throw unconfirmable(pi.status);
    Object.assign(pi, { status: 'succeeded', amount_received: pi.amount, last_payment_error: null, next_action: null });
    return pi;
  }

  protected buildApp(): Express {
    const app = express();
    // stripe-node sends nested parameters as types[0]=…&created[gte]=…
    app.set('query parser', 'extended');
    app.use(express.urlencoded({ extended: true }));
    app.use((req, res, next) => {
      // Every Stripe answer carries the request's id (stripe-node: lastResponse.requestId, err.requestId).
      res.setHeader('Request-Id', `req_${randomBytes(7).toString('hex')}`);
      const seen: SeenRequest = {
        method: req.method,
        path: req.path,
        idempotencyKey: req.get('idempotency-key'),
        params: (req.method === 'POST' ? req.body : req.query) ?? {},
        receivedAt: performance.now(),
        answeredAt: null,
      };
      res.once('finish', () => {
        seen.answeredAt = performance.now();
      });
      this.requests.push(seen);
      for (const listener of this.requestListeners) listener(seen);
      const failure = this.failures.shift();
      if (failure !== undefined) {
        res.status(failure).json({ error: { type: 'api_error', message: `simulated ${failure}` } });
        return;
      }
      // The objects and parameters modelled here are those of the API version stripe-node pins.
      const version = req.get('stripe-version');
      if (version && version !== Stripe.API_VERSION && req.path.startsWith('/v1/')) {
        res.status(400).json({
          error: { type: 'invalid_request_error', message: `This simulator models Stripe API version ${Stripe.API_VERSION} only, not ${version}.` },
        });
        return;
      }
      if (this.latencyMs > 0 && req.path.startsWith('/v1/')) setTimeout(next, this.latencyMs);
      else next();
    });
    mountEndpoints(app, stripeApiEndpoints(this), this.idempotency);
    app.use(checkoutPage(this));
    app.use(threeDSecurePage(this));
    app.use('/_simulator', simulatorControls(this));
    app.use((req, res) => {
      res.status(404).json({ error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${req.path}).` } });
    });
    return app;
  }
}

/** Statuses a customer can still complete a payment from (processing: it settles). */
const COMPLETABLE: readonly string[] = ['requires_confirmation', 'requires_action', 'requires_payment_method', 'processing'];

/** Stripe's refusal to confirm a PaymentIntent in a final state. */
export function unconfirmable(status: string): StripeApiError {
  return invalidRequest(
    'payment_intent_unexpected_state',
    undefined,
    `You cannot confirm this PaymentIntent because it has a status of ${status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_action, requires_payment_method.`,
  );
}
