import { describe, expect, it } from 'vitest';
import { RETURN_URL_REQUIRED } from '../../src/simulators/stripe/payment-intent-rules.js';
import { rawRequest, stripeRefusal, useFakeStripe } from './stripe-helpers.js';

/**
 * The fake Stripe refuses the PaymentIntents Stripe refuses (issue 9): the real SDK is the client,
 * so what passes here is what stripe-node sends to api.stripe.com.
 */
describe('fake Stripe: POST /v1/payment_intents refuses what Stripe refuses', () => {
  const sim = useFakeStripe();

  const base = { amount: 1000, currency: 'usd', customer: 'cus_strict', payment_method: 'pm_card_visa' };

  it('the request shape the service used to send (off_session + confirm, no return_url, redirects allowed) is refused with Stripe’s message', async () => {
    const refusal = await stripeRefusal(sim.stripe.paymentIntents.create({ ...base, off_session: true, confirm: true }));
    expect(refusal).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', param: 'return_url', message: RETURN_URL_REQUIRED });
    expect(refusal.message).toMatch(/^A `return_url` must be specified because this Payment Intent is configured to automatically accept the payment methods enabled in the Dashboard/);
    // … and automatic_payment_methods enabled without allow_redirects=never is the same PaymentIntent.
    const enabledOnly = await stripeRefusal(
      sim.stripe.paymentIntents.create({ ...base, off_session: true, confirm: true, automatic_payment_methods: { enabled: true } }),
    );
    expect(enabledOnly.param).toBe('return_url');
  });

  it.each([
    ['allow_redirects: never', { automatic_payment_methods: { enabled: true, allow_redirects: 'never' as const } }],
    ['a return_url', { return_url: 'https://example.test/back' }],
    ['an explicit list of payment method types', { allowed_payment_method_types: ['card' as const] }],
  ])('off-session + confirm with %s is charged', async (_name, extra) => {
    const pi = await sim.stripe.paymentIntents.create({ ...base, off_session: true, confirm: true, ...extra });
    expect(pi).toMatchObject({ status: 'succeeded', amount_received: 1000 });
  });

  it('off_session without confirm=true is refused (param off_session)', async () => {
    const refusal = await stripeRefusal(sim.stripe.paymentIntents.create({ ...base, off_session: true }));
    expect(refusal).toMatchObject({ statusCode: 400, param: 'off_session' });
    expect(refusal.message).toMatch(/confirm=true/);
  });

  it('setup_future_usage together with off_session=true is refused with Stripe’s message', async () => {
    const refusal = await stripeRefusal(
      sim.stripe.paymentIntents.create({
        ...base,
        off_session: true,
        confirm: true,
        setup_future_usage: 'off_session',
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      }),
    );
    expect(refusal).toMatchObject({ statusCode: 400, param: 'setup_future_usage' });
    expect(refusal.message).toMatch(/cannot set up future usages when processing payments off-session/);
  });

  it('confirm=true without a payment method is refused', async () => {
    const refusal = await stripeRefusal(
      sim.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', confirm: true, automatic_payment_methods: { enabled: true, allow_redirects: 'never' } }),
    );
    expect(refusal).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
  });

  it.each([
    [49, 'usd', 'amount_too_small', /at least 0\.50 usd/],
    [49, 'jpy', 'amount_too_small', /at least 50 jpy/],
    [1235, 'kwd', 'invalid_charge_amount', /last digit .* must be 0/],
    [1001, 'bhd', 'invalid_charge_amount', /last digit/],
    [550, 'isk', 'invalid_charge_amount', /divisible by 100/],
    [100_000_000, 'usd', 'amount_too_large', /no more than 999999\.99 usd/],
    [0, 'usd', 'parameter_invalid_integer', /greater than or equal to 1/],
  ])('amount %i %s → 400 %s', async (amount, currency, code, message) => {
    const refusal = await stripeRefusal(sim.stripe.paymentIntents.create({ amount, currency }));
    expect(refusal).toMatchObject({ statusCode: 400, code, param: 'amount' });
    expect(refusal.message).toMatch(message);
  });

  it.each([
    [50, 'usd'],
    [50, 'jpy'],
    [1230, 'kwd'],
    [500, 'isk'],
    [99_999_999, 'usd'],
  ])('amount %i %s is accepted', async (amount, currency) => {
    expect((await sim.stripe.paymentIntents.create({ amount, currency })).status).toBe('requires_payment_method');
  });

  it('a non-integer amount is "Invalid integer"', async () => {
    const res = await rawRequest(sim.fake, 'POST', '/v1/payment_intents', { amount: '10.5', currency: 'usd' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'parameter_invalid_integer', param: 'amount', message: 'Invalid integer: 10.5' });
  });

  it('a payment method the customer does not have, or a customer that does not exist → 400 resource_missing', async () => {
    expect(await stripeRefusal(sim.stripe.paymentIntents.create({ ...base, payment_method: 'pm_card_mastercard' }))).toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'payment_method',
    });
    expect(await stripeRefusal(sim.stripe.paymentIntents.create({ ...base, customer: 'cus_nobody' }))).toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'customer',
      message: "No such customer: 'cus_nobody'",
    });
  });

  it('cancel: an open PaymentIntent is canceled (payment_intent.canceled); a succeeded one cannot be', async () => {
    const open = await sim.stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    expect((await sim.stripe.paymentIntents.cancel(open.id, { cancellation_reason: 'abandoned' })).status).toBe('canceled');
    expect(sim.fake.events.some((e) => e.type === 'payment_intent.canceled' && (e.data.object as { id: string }).id === open.id)).toBe(true);
    const paid = await sim.stripe.paymentIntents.create({ ...base, confirm: true, automatic_payment_methods: { enabled: true, allow_redirects: 'never' } });
    expect(await stripeRefusal(sim.stripe.paymentIntents.cancel(paid.id))).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
  });
});

describe('fake Stripe: idempotency keys as Stripe keeps them', () => {
  const sim = useFakeStripe();

  it('the same key and parameters replay the first answer (Idempotent-Replayed); other parameters → idempotency_error', async () => {
    const first = await sim.stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: 'key-a' });
    const again = await sim.stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: 'key-a' });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    const refusal = await stripeRefusal(sim.stripe.paymentIntents.create({ amount: 2000, currency: 'usd' }, { idempotencyKey: 'key-a' }));
    expect(refusal).toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError' });
    expect(refusal.message).toMatch(/can only be used with the same parameters they were first used with/);
  });

  it('a key reused on another endpoint → idempotency_error', async () => {
    await sim.stripe.customers.create({ email: 'a@example.test' }, { idempotencyKey: 'key-b' });
    const refusal = await stripeRefusal(sim.stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: 'key-b' }));
    expect(refusal).toMatchObject({ type: 'StripeIdempotencyError' });
    expect(refusal.message).toMatch(/same endpoint/);
  });

  it('a request refused by validation saves nothing: the same key may be used again', async () => {
    await stripeRefusal(sim.stripe.paymentIntents.create({ amount: 10, currency: 'usd' }, { idempotencyKey: 'key-c' }));
    const pi = await sim.stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: 'key-c' });
    expect(pi.amount).toBe(1000);
  });

  it('a card decline is saved: the retry replays the 402 and creates nothing new', async () => {
    sim.fake.addCustomer({ id: 'cus_declines', paymentMethods: ['pm_card_chargeDeclined'] });
    const params = {
      amount: 1000,
      currency: 'usd',
      customer: 'cus_declines',
      payment_method: 'pm_card_chargeDeclined',
      off_session: true,
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' as const },
    };
    const before = sim.fake.createdPaymentIntentCount;
    const first = await stripeRefusal(sim.stripe.paymentIntents.create(params, { idempotencyKey: 'key-d' }));
    const second = await stripeRefusal(sim.stripe.paymentIntents.create(params, { idempotencyKey: 'key-d' }));
    expect(first).toMatchObject({ statusCode: 402, code: 'card_declined' });
    expect(second).toEqual(first);
    expect(sim.fake.createdPaymentIntentCount).toBe(before + 1);
  });
});
