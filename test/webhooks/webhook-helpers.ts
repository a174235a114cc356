import { createHmac } from 'node:crypto';
import type Stripe from 'stripe';
import { expect } from 'vitest';
import type { Response } from 'supertest';
import type { Harness } from '../support/harness.js';
import { waitFor } from '../support/harness.js';

/** Lets the outbox worker (polling every 20 ms in tests) run several times. */
export function settle(ms = 150): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** The v1 signature Stripe computes: HMAC-SHA256 of `${t}.${body}` with the endpoint secret, hex. */
export function v1Signature(body: string, secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** A Stripe-Signature header carrying one v1 signature per secret, as Stripe sends during rotation. */
export function multiSignatureHeader(body: string, secrets: readonly string[], timestamp = nowSeconds()): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${v1Signature(body, s, timestamp)}`)].join(',');
}

/** Posts raw bytes to the webhook endpoint; `signature` undefined sends no Stripe-Signature header. */
export function postRaw(h: Harness, body: string | Buffer, signature: string | undefined) {
  const req = h.http.post('/webhooks/stripe').set('Content-Type', 'application/json');
  if (signature !== undefined) req.set('Stripe-Signature', signature);
  return req.send(body);
}

/** The one error shape: exactly { error: { code, message, request_id } }, request id echoed in X-Request-Id. */
export function expectErrorShape(res: Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({
    error: { code, message: expect.any(String), request_id: expect.any(String) },
  });
  expect(res.body.error.request_id).toBe(res.headers['x-request-id']);
}

/** Nothing in the outbox, nothing sent to Moesif. */
export async function expectNothingQueuedOrSent(h: Harness): Promise<void> {
  expect(await h.service.store.outbox.countByState()).toEqual({ pending: 0, delivered: 0, failed: 0, dead: 0 });
  expect(h.moesif.requests).toEqual([]);
  expect(h.moesif.accepted).toEqual([]);
}

/** Waits until the outbox entry for `transactionId` is in `state`. */
export async function waitForState(h: Harness, transactionId: string, state: string, timeoutMs = 3_000): Promise<void> {
  await waitFor(async () => (await h.service.store.outbox.get(transactionId))?.state === state, timeoutMs, `${transactionId} ${state}`);
}

export function succeededEvent(h: Harness, pi: Stripe.PaymentIntent): Stripe.Event {
  return h.stripe.makeEvent('payment_intent.succeeded', pi);
}
