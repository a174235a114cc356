import { createServer, type Server } from 'node:http';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeStripe } from '../../src/simulators/stripe/fake-stripe.js';
import { StripeGateway } from '../../src/stripe/stripe-gateway.js';
import { waitFor } from '../support/harness.js';
import { startFakeStripe, stripeRefusal } from './stripe-helpers.js';

/**
 * Completing a payment that needs 3-D Secure without Stripe.js: a server-side confirmation with a
 * return_url gets next_action.redirect_to_url; the fake's authentication page completes or fails
 * it, sends the signed events, and returns the browser to return_url as Stripe does.
 */
describe('fake Stripe: 3-D Secure by redirect', () => {
  let fake: FakeStripe;
  let stripe: Stripe;
  let receiver: Server;
  const received: { type: string; data: { object: { id: string; status: string } } }[] = [];
  const RETURN = 'https://billing.example.com/billing?auto_recharge=authenticated';

  beforeAll(async () => {
    ({ fake, stripe } = await startFakeStripe());
    fake.addCustomer({ id: 'cus_3ds', defaultPaymentMethod: 'pm_card_authenticationRequired', paymentMethods: ['pm_card_authenticationRequired', 'pm_card_visa'] });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push(JSON.parse(body) as (typeof received)[number]);
        res.end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    fake.deliverWebhooksTo(`http://127.0.0.1:${(receiver.address() as { port: number }).port}/`, 'whsec_3ds', '*');
  });
  afterAll(async () => {
    await fake.stop();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  /** An off-session charge that failed for authentication, as auto-recharge leaves it. */
  async function failedOffSession(): Promise<string> {
    const refusal = await stripeRefusal(
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        customer: 'cus_3ds',
        payment_method: 'pm_card_authenticationRequired',
        off_session: true,
        confirm: true,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      }),
    );
    expect(refusal).toMatchObject({ statusCode: 402, code: 'authentication_required' });
    const pi = [...fake.paymentIntents.values()].at(-1)!;
    expect(pi.status).toBe('requires_payment_method');
    // Stripe keeps the card that failed on last_payment_error.payment_method.
    expect(pi.last_payment_error?.payment_method?.id).toBe('pm_card_authenticationRequired');
    return pi.id;
  }

  const page = (url: string, method = 'GET') => fetch(url, { method, redirect: 'manual' });

  it('confirm with return_url → redirect_to_url → Complete: succeeded, payment_intent.succeeded, back to return_url with redirect_status', async () => {
    const id = await failedOffSession();
    const gateway = new StripeGateway(stripe, ['whsec_3ds'], 300);
    const confirmation = await gateway.confirmWithRedirect(id, RETURN);
    expect(confirmation).toEqual({ kind: 'redirect', url: `${fake.url}/3ds/authenticate/${id}`, customerId: 'cus_3ds' });
    expect(fake.paymentIntents.get(id)).toMatchObject({ status: 'requires_action', next_action: { type: 'redirect_to_url', redirect_to_url: { return_url: RETURN } } });
    // Asked again before the customer authenticated: the same redirect, no second confirmation.
    const confirms = () => fake.requests.filter((r) => r.path === `/v1/payment_intents/${id}/confirm`).length;
    expect(confirms()).toBe(1);
    expect(await gateway.confirmWithRedirect(id, RETURN)).toEqual(confirmation);
    expect(confirms()).toBe(1);

    const shown = await page(confirmation.kind === 'redirect' ? confirmation.url : '');
    expect(shown.status).toBe(200);
    expect(await shown.text()).toMatch(/Complete authentication[\s\S]*Fail authentication/);
    const done = await page(`${fake.url}/3ds/authenticate/${id}/complete`, 'POST');
    expect(done.status).toBe(303);
    const back = new URL(done.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe('https://billing.example.com/billing');
    expect(Object.fromEntries(back.searchParams)).toEqual({
      auto_recharge: 'authenticated',
      payment_intent: id,
      payment_intent_client_secret: fake.paymentIntents.get(id)!.client_secret,
      redirect_status: 'succeeded',
    });
    expect(fake.paymentIntents.get(id)).toMatchObject({ status: 'succeeded', amount_received: 1000, next_action: null });
    await waitFor(() => received.some((e) => e.type === 'payment_intent.succeeded' && e.data.object.id === id), 5_000, 'payment_intent.succeeded');
    // Done: the page is gone, and nothing is left to confirm.
    expect((await page(`${fake.url}/3ds/authenticate/${id}`)).status).toBe(404);
    expect(await gateway.confirmWithRedirect(id, RETURN)).toEqual({ kind: 'no_action', status: 'succeeded', customerId: 'cus_3ds' });
    expect(await stripeRefusal(stripe.paymentIntents.confirm(id, { return_url: RETURN }))).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
  });

  it('Fail: back to requires_payment_method with payment_intent_authentication_failure, payment_intent.payment_failed; it can be confirmed again', async () => {
    const id = await failedOffSession();
    const gateway = new StripeGateway(stripe, ['whsec_3ds'], 300);
    await gateway.confirmWithRedirect(id, RETURN);
    const failed = await page(`${fake.url}/3ds/authenticate/${id}/fail`, 'POST');
    expect(new URL(failed.headers.get('location')!).searchParams.get('redirect_status')).toBe('failed');
    expect(fake.paymentIntents.get(id)).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'payment_intent_authentication_failure', payment_method: { id: 'pm_card_authenticationRequired' } },
    });
    await waitFor(() => received.some((e) => e.type === 'payment_intent.payment_failed' && e.data.object.id === id && e.data.object.status === 'requires_payment_method'), 5_000, 'payment_intent.payment_failed');
    expect(await gateway.confirmWithRedirect(id, RETURN)).toMatchObject({ kind: 'redirect' });
  });

  it('is as strict as Stripe: confirming without a return_url gets use_stripe_sdk; a PaymentIntent allowing redirects needs a return_url; another customer\'s card is refused', async () => {
    const id = await failedOffSession();
    expect((await stripe.paymentIntents.confirm(id, { payment_method: 'pm_card_authenticationRequired' })).next_action?.type).toBe('use_stripe_sdk');
    const open = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', customer: 'cus_3ds' });
    expect(await stripeRefusal(stripe.paymentIntents.confirm(open.id, { payment_method: 'pm_card_visa' }))).toMatchObject({ statusCode: 400, param: 'return_url' });
    expect(await stripeRefusal(stripe.paymentIntents.confirm(open.id, { payment_method: 'pm_card_mastercard', return_url: RETURN }))).toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'payment_method',
    });
    expect((await page(`${fake.url}/3ds/authenticate/pi_unknown`)).status).toBe(404);
  });
});
