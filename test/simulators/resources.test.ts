import { createServer, type Server } from 'node:http';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeStripe } from '../../src/simulators/stripe/fake-stripe.js';
import { waitFor } from '../support/harness.js';
import { startFakeStripe, stripeRefusal } from './stripe-helpers.js';

/** The resources `npm run check:stripe` uses, as strict as the PaymentIntents the service uses. */
describe('fake Stripe: customers, test cards, Checkout Sessions, events', () => {
  let fake: FakeStripe;
  let stripe: Stripe;
  let receiver: Server;
  const received: { type: string; api_version: string }[] = [];
  beforeAll(async () => {
    ({ fake, stripe } = await startFakeStripe());
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push(JSON.parse(body) as { type: string; api_version: string });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const port = (receiver.address() as { port: number }).port;
    fake.deliverWebhooksTo(`http://127.0.0.1:${port}/`, 'whsec_resources', '*');
  });
  afterAll(async () => {
    await fake.stop();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  it('attaching a test card makes a new PaymentMethod of the customer, which charges like the card', async () => {
    const customer = await stripe.customers.create({ email: 'buyer@example.test', metadata: { source: 'test' } });
    const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    expect(visa.id).toMatch(/^pm_/);
    expect(visa.id).not.toBe('pm_card_visa');
    expect(visa.customer).toBe(customer.id);
    const listed = await stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
    expect(listed.data.map((pm) => pm.id)).toEqual([visa.id]);
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      customer: customer.id,
      payment_method: visa.id,
      off_session: true,
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    expect(pi.status).toBe('succeeded');
  });

  it('a card that declines every charge is declined when attached; "decline after attaching" attaches and declines the charge', async () => {
    const customer = await stripe.customers.create({});
    expect(await stripeRefusal(stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: customer.id }))).toMatchObject({
      statusCode: 402,
      type: 'StripeCardError',
      code: 'card_declined',
    });
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    const refusal = await stripeRefusal(
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        customer: customer.id,
        payment_method: failing.id,
        off_session: true,
        confirm: true,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      }),
    );
    expect(refusal).toMatchObject({ statusCode: 402, code: 'card_declined' });
  });

  it('a deleted customer is retrieved as deleted, and can no longer be charged or deleted again', async () => {
    const customer = await stripe.customers.create({});
    expect(await stripe.customers.del(customer.id)).toMatchObject({ id: customer.id, deleted: true });
    expect(await stripe.customers.retrieve(customer.id)).toMatchObject({ id: customer.id, deleted: true });
    expect(await stripeRefusal(stripe.customers.del(customer.id))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect(await stripeRefusal(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', customer: customer.id }))).toMatchObject({
      code: 'resource_missing',
      param: 'customer',
    });
  });

  it('a Checkout Session is created open and expired once; a second expiry is refused', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ quantity: 2, price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'API credits' } } }],
      success_url: 'https://example.test/done',
    });
    expect(session).toMatchObject({ object: 'checkout.session', status: 'open', amount_total: 1000, currency: 'usd' });
    expect(session.url).toContain(session.id);
    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(expired.status).toBe('expired');
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('expired');
    expect(await stripeRefusal(stripe.checkout.sessions.expire(session.id))).toMatchObject({ statusCode: 400 });
  });

  it.each([
    ['no line items in payment mode', { mode: 'payment' as const }, 'line_items'],
    ['a line item without a price', { mode: 'payment' as const, line_items: [{ quantity: 1 }] }, 'line_items[0][price]'],
    [
      'a total below the currency minimum',
      { mode: 'payment' as const, line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 10, product_data: { name: 'x' } } }] },
      'line_items',
    ],
  ])('a Checkout Session with %s is refused', async (_name, params, param) => {
    expect(await stripeRefusal(stripe.checkout.sessions.create(params))).toMatchObject({ statusCode: 400, param });
  });

  it('every event carries the API version stripe-node pins, listed newest first and delivered to the endpoint', async () => {
    const created = Math.floor(Date.now() / 1000) - 1;
    const customer = await stripe.customers.create({});
    await stripe.customers.del(customer.id);
    const listed = await stripe.events.list({ created: { gte: created }, types: ['customer.created', 'customer.deleted'] });
    const mine = listed.data.filter((e) => (e.data.object as { id: string }).id === customer.id);
    expect(mine.map((e) => e.type)).toEqual(['customer.deleted', 'customer.created']);
    expect(fake.events.length).toBeGreaterThan(0);
    expect(fake.events.every((e) => e.api_version === Stripe.API_VERSION)).toBe(true);
    await waitFor(() => received.some((e) => e.type === 'customer.deleted'), 3_000, 'the delivered customer.deleted');
    expect(received.every((e) => e.api_version === Stripe.API_VERSION)).toBe(true);
  });
});
