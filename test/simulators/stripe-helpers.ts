import Stripe from 'stripe';
import { afterAll, beforeAll } from 'vitest';
import { FakeStripe } from '../../src/simulators/stripe/fake-stripe.js';
import { createStripeClient } from '../../src/stripe/stripe-client.js';

/** A fake Stripe with one customer holding a saved visa, and the real SDK pointed at it. */
export async function startFakeStripe(): Promise<{ fake: FakeStripe; stripe: Stripe }> {
  const fake = await new FakeStripe().start();
  fake.addCustomer({ id: 'cus_strict', defaultPaymentMethod: 'pm_card_visa', paymentMethods: ['pm_card_visa'] });
  const stripe = createStripeClient({ secretKey: 'sk_test_strict', apiBase: new URL(fake.url) });
  return { fake, stripe };
}

/** startFakeStripe() for a describe block: started before its tests, stopped after them. */
export function useFakeStripe(): { fake: FakeStripe; stripe: Stripe } {
  const started = {} as { fake: FakeStripe; stripe: Stripe };
  beforeAll(async () => {
    Object.assign(started, await startFakeStripe());
  });
  afterAll(async () => {
    await started.fake?.stop();
  });
  return started;
}

/** What the SDK threw, as Stripe's error fields (or fails the test when nothing was thrown). */
export async function stripeRefusal(call: Promise<unknown>): Promise<{ statusCode?: number; type: string; code?: string; param?: string; message: string }> {
  try {
    await call;
  } catch (err) {
    if (err instanceof Stripe.errors.StripeError) {
      return { statusCode: err.statusCode, type: err.type, code: err.code, param: err.param, message: err.message };
    }
    throw err;
  }
  throw new Error('Stripe accepted the request');
}

/** A raw form-encoded request, for what the SDK's types would not let a caller send. */
export async function rawRequest(fake: FakeStripe, method: string, path: string, form: Record<string, string> = {}) {
  const encoded = new URLSearchParams(form).toString();
  const url = method === 'POST' || !encoded ? `${fake.url}${path}` : `${fake.url}${path}?${encoded}`;
  const res = await fetch(url, {
    method,
    headers: { Authorization: 'Bearer sk_test_strict', ...(method === 'POST' ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
    ...(method === 'POST' ? { body: encoded } : {}),
  });
  return { status: res.status, body: (await res.json()) as { error?: { type: string; code?: string; param?: string; message: string } } & Record<string, unknown> };
}
