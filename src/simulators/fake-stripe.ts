import { createHash, randomBytes } from 'node:crypto';
import express, { type Express, type Response } from 'express';
import Stripe from 'stripe';
import { LoopbackServer } from './listen.js';

/**
 * A local stand-in for the parts of Stripe's API this service uses (PaymentIntents, customers,
 * payment methods, subscriptions, events), for the demo and the tests. The real stripe-node SDK
 * talks to it over HTTP. Test cards follow Stripe's test payment method names:
 * pm_card_visa succeeds; pm_card_chargeDeclined and pm_card_chargeDeclinedInsufficientFunds are
 * declined; pm_card_authenticationRequired needs 3-D Secure; pm_processing stays processing.
 */

export interface FakeCustomer {
  id: string;
  metadata?: Record<string, string>;
  defaultPaymentMethod?: string | null;
  paymentMethods?: string[];
  subscriptions?: { id: string; status: 'active' | 'trialing' | 'canceled' }[];
}

type PaymentIntent = Stripe.PaymentIntent;

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

function stripeError(res: Response, status: number, error: Record<string, unknown>): void {
  res.status(status).json({ error });
}

export class FakeStripe extends LoopbackServer {
  readonly customers = new Map<string, FakeCustomer>();
  readonly paymentIntents = new Map<string, PaymentIntent>();
  readonly events: Stripe.Event[] = [];
  /** Every API request: method, path, idempotency key. */
  readonly requests: { method: string; path: string; idempotencyKey: string | undefined }[] = [];
  private readonly idempotent = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  private failures: number[] = [];
  private webhookTarget: { url: string; secret: string } | null = null;

  /**
   * Like a Dashboard webhook endpoint: from now on, PaymentIntents that succeed send a signed
   * payment_intent.succeeded to `url`, as Stripe would.
   */
  deliverWebhooksTo(url: string, secret: string): this {
    this.webhookTarget = { url, secret };
    return this;
  }

  /** Signs and posts an event to the configured webhook endpoint; returns the HTTP status. */
  async sendEvent(event: Stripe.Event): Promise<number> {
    if (!this.webhookTarget) throw new Error('no webhook endpoint configured: call deliverWebhooksTo() first');
    const { body, signature } = signEvent(event, this.webhookTarget.secret);
    const res = await fetch(this.webhookTarget.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
      body,
    });
    await res.arrayBuffer();
    return res.status;
  }

  private announceSuccess(pi: PaymentIntent): void {
    if (!this.webhookTarget || pi.status !== 'succeeded') return;
    const event = this.makeEvent('payment_intent.succeeded', structuredClone(pi));
    setTimeout(() => void this.sendEvent(event).catch(() => undefined), 50);
  }

  addCustomer(customer: FakeCustomer): this {
    this.customers.set(customer.id, customer);
    return this;
  }

  /** The next API requests answer with these HTTP statuses (e.g. 500, 503) before behaving normally. */
  failNext(...statuses: number[]): void {
    this.failures.push(...statuses);
  }

  /** Stripe keeps idempotency keys for (at least) 24 hours; this simulates them expiring. */
  forgetIdempotencyKeys(): void {
    this.idempotent.clear();
  }

  /** Count of PaymentIntents created (idempotent replays not counted). */
  get createdPaymentIntentCount(): number {
    return this.paymentIntents.size;
  }

  /** Builds (and remembers, for /v1/events) an event as Stripe would send it. */
  makeEvent<T extends Stripe.Event['type']>(type: T, object: unknown, created = Math.floor(Date.now() / 1000)): Stripe.Event {
    const event = {
      id: id('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created,
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    } as unknown as Stripe.Event;
    this.events.push(event);
    return event;
  }

  /** A PaymentIntent moved to succeeded (e.g. after the browser completed 3-D Secure). */
  succeed(paymentIntentId: string): PaymentIntent {
    const pi = this.paymentIntents.get(paymentIntentId);
    if (!pi) throw new Error(`no payment intent ${paymentIntentId}`);
    Object.assign(pi, { status: 'succeeded', amount_received: pi.amount, last_payment_error: null });
    return pi;
  }

  private createPaymentIntent(params: Record<string, unknown>): { status: number; body: unknown } {
    const amount = Number(params.amount);
    const currency = String(params.currency ?? '');
    const customerId = params.customer ? String(params.customer) : null;
    const customer = customerId ? this.customers.get(customerId) : undefined;
    if (!Number.isInteger(amount) || amount < 1) {
      return { status: 400, body: { error: { type: 'invalid_request_error', code: 'parameter_invalid_integer', param: 'amount', message: 'Invalid integer' } } };
    }
    if (customerId && !customer) {
      return { status: 400, body: { error: { type: 'invalid_request_error', code: 'resource_missing', param: 'customer', message: `No such customer: '${customerId}'` } } };
    }
    const pm = params.payment_method ? String(params.payment_method) : null;
    if (pm && customer && !(customer.paymentMethods ?? []).includes(pm)) {
      return { status: 400, body: { error: { type: 'invalid_request_error', code: 'resource_missing', param: 'payment_method', message: `No such PaymentMethod: '${pm}'` } } };
    }
    const piId = id('pi');
    const pi = {
      id: piId,
      object: 'payment_intent',
      amount,
      amount_received: 0,
      currency,
      customer: customerId,
      status: 'requires_payment_method',
      client_secret: `${piId}_secret_${randomBytes(8).toString('hex')}`,
      metadata: (params.metadata as Record<string, string>) ?? {},
      payment_method: pm,
      description: params.description ?? null,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      last_payment_error: null,
    } as unknown as PaymentIntent;
    this.paymentIntents.set(piId, pi);
    if (params.confirm !== 'true') {
      Object.assign(pi, { status: pm ? 'requires_confirmation' : 'requires_payment_method' });
      return { status: 200, body: pi };
    }
    const fail = (code: string, declineCode: string | undefined, message: string) => {
      Object.assign(pi, { status: 'requires_payment_method', last_payment_error: { code, decline_code: declineCode, type: 'card_error', message } });
      return { status: 402, body: { error: { type: 'card_error', code, decline_code: declineCode, message, payment_intent: pi } } };
    };
    switch (pm) {
      case 'pm_card_chargeDeclined':
        return fail('card_declined', 'generic_decline', 'Your card was declined.');
      case 'pm_card_chargeDeclinedInsufficientFunds':
        return fail('card_declined', 'insufficient_funds', 'Your card has insufficient funds.');
      case 'pm_card_authenticationRequired':
        return fail('authentication_required', undefined, 'Your card was declined. This transaction requires authentication.');
      case 'pm_processing':
        Object.assign(pi, { status: 'processing' });
        return { status: 200, body: pi };
      default:
        Object.assign(pi, { status: 'succeeded', amount_received: amount });
        return { status: 200, body: pi };
    }
  }

  protected buildApp(): Express {
    const app = express();
    // stripe-node sends nested parameters as types[0]=…&created[gte]=…
    app.set('query parser', 'extended');
    app.use(express.urlencoded({ extended: true }));
    app.use((req, res, next) => {
      this.requests.push({ method: req.method, path: req.path, idempotencyKey: req.get('idempotency-key') });
      const failure = this.failures.shift();
      if (failure !== undefined) {
        stripeError(res, failure, { type: 'api_error', message: `simulated ${failure}` });
        return;
      }
      next();
    });

    app.post('/v1/payment_intents', (req, res) => {
      const params = req.body as Record<string, unknown>;
      const key = req.get('idempotency-key');
      const fingerprint = createHash('sha256').update(JSON.stringify(params)).digest('hex');
      if (key) {
        const previous = this.idempotent.get(key);
        if (previous) {
          if (previous.fingerprint !== fingerprint) {
            stripeError(res, 400, {
              type: 'idempotency_error',
              message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.',
            });
            return;
          }
          res.setHeader('Idempotent-Replayed', 'true');
          res.status(previous.status).json(previous.body);
          return;
        }
      }
      const result = this.createPaymentIntent(params);
      if (key) this.idempotent.set(key, { fingerprint, ...result });
      res.status(result.status).json(result.body);
      if (result.status === 200) this.announceSuccess(result.body as PaymentIntent);
    });

    app.get('/v1/events/:id', (req, res) => {
      const event = this.events.find((e) => e.id === req.params.id);
      if (!event) return stripeError(res, 404, { type: 'invalid_request_error', code: 'resource_missing', message: 'No such event' });
      res.json(event);
    });

    app.get('/v1/payment_intents/:id', (req, res) => {
      const pi = this.paymentIntents.get(req.params.id);
      if (!pi) return stripeError(res, 404, { type: 'invalid_request_error', code: 'resource_missing', message: 'No such payment_intent' });
      res.json(pi);
    });

    app.get('/v1/customers/:id', (req, res) => {
      const c = this.customers.get(req.params.id);
      if (!c) return stripeError(res, 404, { type: 'invalid_request_error', code: 'resource_missing', message: 'No such customer' });
      res.json({
        id: c.id,
        object: 'customer',
        metadata: c.metadata ?? {},
        invoice_settings: { default_payment_method: c.defaultPaymentMethod ?? null },
        livemode: false,
      });
    });

    app.get('/v1/customers/:id/payment_methods', (req, res) => {
      const c = this.customers.get(req.params.id);
      if (!c) return stripeError(res, 404, { type: 'invalid_request_error', code: 'resource_missing', message: 'No such customer' });
      const limit = Number(req.query.limit ?? 10);
      const all = (c.paymentMethods ?? []).map((pm) => ({ id: pm, object: 'payment_method', type: 'card', customer: c.id }));
      res.json({ object: 'list', data: all.slice(0, limit), has_more: all.length > limit, url: req.path });
    });

    app.get('/v1/subscriptions', (req, res) => {
      const c = this.customers.get(String(req.query.customer ?? ''));
      const status = String(req.query.status ?? 'active');
      const subs = (c?.subscriptions ?? [])
        .filter((s) => s.status === status)
        .map((s) => ({ id: s.id, object: 'subscription', status: s.status, customer: c!.id }));
      res.json({ object: 'list', data: subs, has_more: false, url: '/v1/subscriptions' });
    });

    // Stripe answers 404 resource_missing for a subscription id it does not know.
    app.get('/v1/subscriptions/:id', (req, res) => {
      for (const c of this.customers.values()) {
        const s = (c.subscriptions ?? []).find((sub) => sub.id === req.params.id);
        if (s) return res.json({ id: s.id, object: 'subscription', status: s.status, customer: c.id, livemode: false });
      }
      stripeError(res, 404, { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: `No such subscription: '${req.params.id}'` });
    });

    app.get('/v1/events', (req, res) => {
      const types = ([] as unknown[]).concat(req.query.types ?? []).map(String);
      const created = (req.query.created ?? {}) as Record<string, string>;
      const gte = created.gte ? Number(created.gte) : 0;
      const all = this.events
        .filter((e) => (types.length === 0 || types.includes(e.type)) && e.created >= gte)
        .sort((a, b) => b.created - a.created);
      const after = req.query.starting_after ? all.findIndex((e) => e.id === req.query.starting_after) + 1 : 0;
      const limit = Number(req.query.limit ?? 10);
      const data = all.slice(after, after + limit);
      res.json({ object: 'list', data, has_more: after + limit < all.length, url: '/v1/events' });
    });

    // Simulator controls (not Stripe API): what the browser and Stripe would do after 3-D Secure.
    app.post('/_simulator/payment_intents/:id/succeed', async (req, res) => {
      if (!this.paymentIntents.has(req.params.id)) return stripeError(res, 404, { type: 'invalid_request_error', message: 'No such payment_intent' });
      const pi = this.succeed(req.params.id);
      const event = this.makeEvent('payment_intent.succeeded', structuredClone(pi));
      const webhookStatus = this.webhookTarget ? await this.sendEvent(event) : null;
      res.json({ payment_intent: pi.id, status: pi.status, event_id: event.id, webhook_status: webhookStatus });
    });

    app.use((req, res) => stripeError(res, 404, { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${req.path})` }));

    return app;
  }
}

/** Signs a payload the way Stripe does, for posting to /webhooks/stripe. */
export function signEvent(event: Stripe.Event | string, secret: string, timestamp?: number): { body: string; signature: string } {
  const body = typeof event === 'string' ? event : JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, ...(timestamp ? { timestamp } : {}) });
  return { body, signature };
}
