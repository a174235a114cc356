import type Stripe from 'stripe';
import { callStripe } from './stripe-errors.js';

/**
 * The Stripe calls `npm run check:stripe` makes besides the service's own (StripeGateway): it
 * creates a customer with Stripe's test cards attached, a Checkout Session, and then removes
 * what it made. The service never calls these. Errors are translated like the gateway's.
 */
export class StripeTestFixtures {
  constructor(private readonly stripe: Stripe) {}

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return callStripe(fn);
  }

  /** A customer tagged as made by the check, so a leftover one is recognisable in the Dashboard. */
  createCustomer(runId: string): Promise<string> {
    return this.call(async () => {
      const customer = await this.stripe.customers.create({
        name: 'topup-sync check:stripe',
        description: 'Created by npm run check:stripe; deleted at the end of the run.',
        metadata: { created_by: 'topup-sync check:stripe', run: runId },
      });
      return customer.id;
    });
  }

  /** Attaches one of Stripe's test PaymentMethods (pm_card_visa, …): a new PaymentMethod id of the customer. */
  attachTestCard(customerId: string, testPaymentMethod: string): Promise<string> {
    return this.call(async () => (await this.stripe.paymentMethods.attach(testPaymentMethod, { customer: customerId })).id);
  }

  cancelPaymentIntent(id: string): Promise<string> {
    return this.call(async () => (await this.stripe.paymentIntents.cancel(id, { cancellation_reason: 'abandoned' })).status);
  }

  deleteCustomer(id: string): Promise<boolean> {
    return this.call(async () => (await this.stripe.customers.del(id)).deleted === true);
  }

  /** A hosted Checkout Session in payment mode for one line of `amountMinor`. */
  createCheckoutSession(input: { customerId: string; amountMinor: number; currency: string; runId: string }): Promise<{ id: string; status: string | null; url: string | null }> {
    return this.call(async () => {
      const session = await this.stripe.checkout.sessions.create({
        mode: 'payment',
        customer: input.customerId,
        line_items: [{ quantity: 1, price_data: { currency: input.currency, unit_amount: input.amountMinor, product_data: { name: 'topup-sync check:stripe credits' } } }],
        success_url: 'https://example.com/topup-sync-check/done?session={CHECKOUT_SESSION_ID}',
        metadata: { created_by: 'topup-sync check:stripe', run: input.runId },
      });
      return { id: session.id, status: session.status, url: session.url };
    });
  }

  expireCheckoutSession(id: string): Promise<string | null> {
    return this.call(async () => (await this.stripe.checkout.sessions.expire(id)).status);
  }
}
