import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { FakeStripe, stripeApiEndpoints } from '../../src/simulators/stripe/fake-stripe.js';
import { rawRequest, stripeRefusal, useFakeStripe } from './stripe-helpers.js';

/**
 * Stripe answers a parameter it does not know with 400 parameter_unknown, "Received unknown
 * parameter: x" (nested: "a[b]"), on every endpoint; so does the fake, from each endpoint's
 * schema, which the compiler holds equal to stripe-node's parameter type (param-schemas.test.ts).
 */
describe('fake Stripe: unknown and missing parameters', () => {
  const sim = useFakeStripe();

  const endpoints = stripeApiEndpoints(new FakeStripe()).map((e) => [`${e.method} ${e.path}`, e.method, e.path.replace(/:id/g, 'x_123')] as const);

  it('covers every endpoint the service and npm run check:stripe call', () => {
    expect(endpoints.map(([name]) => name).sort()).toEqual(
      [
        'POST /v1/payment_intents',
        'GET /v1/payment_intents/:id',
        'POST /v1/payment_intents/:id/cancel',
        'POST /v1/payment_intents/:id/confirm',
        'POST /v1/customers',
        'GET /v1/customers/:id',
        'DELETE /v1/customers/:id',
        'GET /v1/customers/:id/payment_methods',
        'POST /v1/payment_methods/:id/attach',
        'GET /v1/payment_methods/:id',
        'GET /v1/subscriptions',
        'GET /v1/subscriptions/:id',
        'GET /v1/events',
        'GET /v1/events/:id',
        'POST /v1/checkout/sessions',
        'GET /v1/checkout/sessions/:id',
        'POST /v1/checkout/sessions/:id/expire',
        'GET /v1/checkout/sessions/:id/line_items',
        'POST /v1/products',
        'POST /v1/prices',
        'GET /v1/prices/:id',
        'GET /v1/prices',
        'GET /v1/checkout/sessions',
        'GET /v1/invoice_payments',
        'POST /v1/invoices',
        'GET /v1/invoices/:id',
        'POST /v1/invoices/:id/add_lines',
        'POST /v1/invoices/:id/finalize',
        'POST /v1/invoices/:id/pay',
        'GET /v1/invoices/:id/lines',
        'POST /v1/credit_notes',
        'GET /v1/credit_notes/:id',
        'POST /v1/credit_notes/:id/void',
      ].sort(),
    );
  });

  it.each(endpoints)('%s: an unknown parameter → 400 parameter_unknown, before anything else is looked at', async (_name, method, path) => {
    const res = await rawRequest(sim.fake, method, path, { bogus_param: '1' });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      type: 'invalid_request_error',
      code: 'parameter_unknown',
      param: 'bogus_param',
      message: 'Received unknown parameter: bogus_param',
    });
  });

  it.each([
    ['/v1/payment_intents', { amount: '1000', currency: 'usd', 'automatic_payment_methods[enabled]': 'true', 'automatic_payment_methods[bogus]': 'x' }, 'automatic_payment_methods[bogus]'],
    [
      '/v1/checkout/sessions',
      { mode: 'payment', 'line_items[0][quantity]': '1', 'line_items[0][price_data][currency]': 'usd', 'line_items[0][price_data][unit_amount]': '1000', 'line_items[0][price_data][product_data][name]': 'Credits', 'line_items[0][price_data][product_data][colour]': 'red' },
      'line_items[0][price_data][product_data][colour]',
    ],
  ])('a nested unknown parameter is named the way Stripe names it (%s)', async (path, form, name) => {
    const res = await rawRequest(sim.fake, 'POST', path, form);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'parameter_unknown', param: name, message: `Received unknown parameter: ${name}` });
  });

  it('payment_method_types is not a parameter of the pinned API version (allowed_payment_method_types is)', async () => {
    const res = await rawRequest(sim.fake, 'POST', '/v1/payment_intents', { amount: '1000', currency: 'usd', 'payment_method_types[0]': 'card' });
    expect(res.body.error).toMatchObject({ code: 'parameter_unknown', param: 'payment_method_types' });
  });

  it.each([
    ['/v1/payment_intents', { currency: 'usd' }, 'amount'],
    ['/v1/payment_intents', { amount: '1000', currency: 'usd', 'automatic_payment_methods[allow_redirects]': 'never' }, 'automatic_payment_methods[enabled]'],
  ])('%s without a required parameter → 400 parameter_missing naming it', async (path, form, name) => {
    const res = await rawRequest(sim.fake, 'POST', path, form);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'parameter_missing', param: name, message: `Missing required param: ${name}.` });
  });

  it('every answer carries a Request-Id, which the SDK reports (lastResponse.requestId, err.requestId)', async () => {
    const customer = await sim.stripe.customers.create({ email: 'r@example.test' });
    expect(customer.lastResponse.requestId).toMatch(/^req_/);
    try {
      await sim.stripe.customers.retrieve('cus_missing');
      throw new Error('expected a 404');
    } catch (err) {
      expect((err as Stripe.errors.StripeError).requestId).toMatch(/^req_/);
    }
  });

  it('a request for another API version than the one stripe-node pins is refused (the fake models only that one)', async () => {
    const other = new Stripe('sk_test_strict', { host: '127.0.0.1', port: new URL(sim.fake.url).port, protocol: 'http', apiVersion: '2024-06-20' as Stripe.LatestApiVersion });
    const refusal = await stripeRefusal(other.customers.create({}));
    expect(refusal.statusCode).toBe(400);
    expect(refusal.message).toContain(Stripe.API_VERSION);
  });
});
