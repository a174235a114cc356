import Stripe from 'stripe';

/** Signs a payload the way Stripe does, for posting to /webhooks/stripe. */
export function signEvent(event: Stripe.Event | string, secret: string, timestamp?: number): { body: string; signature: string } {
  const body = typeof event === 'string' ? event : JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, ...(timestamp ? { timestamp } : {}) });
  return { body, signature };
}

/**
 * A webhook endpoint as registered in the Dashboard: a URL, its signing secret, and the event
 * types it is subscribed to (Stripe sends nothing else to it).
 */
export class WebhookEndpoint {
  constructor(
    readonly url: string,
    private readonly secret: string,
    private readonly enabledEvents: readonly string[] | '*',
  ) {}

  wants(type: string): boolean {
    return this.enabledEvents === '*' || this.enabledEvents.includes(type);
  }

  /** Signs and posts the event; returns the HTTP status. */
  async send(event: Stripe.Event): Promise<number> {
    const { body, signature } = signEvent(event, this.secret);
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
      body,
    });
    await res.arrayBuffer();
    return res.status;
  }
}
