import express, { type Express } from 'express';
import type { Response } from 'supertest';
import { expect } from 'vitest';
import { createHttpServer, listen } from '../../src/http/http-server.js';
import { API_KEY, startHarness, waitFor, WEBHOOK_SECRET, type Harness } from '../support/harness.js';

export const RETURN_URL = 'https://app.example.com/account/billing';
export const BILLING_ENV = { BILLING_RETURN_ORIGINS: 'https://app.example.com,http://localhost:5173', BILLING_PAGE_TITLE: 'Acme credits' };

/** A harness with the billing page on, and a clock the test moves forward (`clock.skew` ms ahead of real time). */
export async function billingHarness(env: Record<string, string> = {}): Promise<{ h: Harness; clock: { skew: number } }> {
  const clock = { skew: 0 };
  const h = await startHarness({ env: { LOG_LEVEL: 'silent', BALANCE_CACHE_TTL_MS: '0', ...BILLING_ENV, ...env }, now: () => Date.now() + clock.skew });
  return { h, clock };
}

export function createSession(h: Harness, body: Record<string, unknown> = {}, auth = `Bearer ${API_KEY}`) {
  return h.http.post('/billing-sessions').set('Authorization', auth).send({ customer_id: 'cus_alice', return_url: RETURN_URL, ...body });
}

/** The link's path (/billing/session/<token>). */
export function linkPath(res: Response): string {
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return new URL((res.body as { url: string }).url).pathname;
}

/** The `name=value` of the session cookie a response set. */
export function sessionCookie(res: Response): string {
  const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  expect(set).toHaveLength(1);
  return set[0]!.split(';')[0]!;
}

/** Opens a new link for ALICE and returns the session cookie. */
export async function openSession(h: Harness, body: Record<string, unknown> = {}): Promise<string> {
  const opened = await h.http.get(linkPath(await createSession(h, body)));
  expect(opened.status).toBe(200);
  return sessionCookie(opened);
}

/** A delivered 10.00 USD credit, so Moesif has a balance for sub_alice. */
export async function creditAlice(h: Harness, amount = 1000): Promise<void> {
  const before = h.moesif.ledger.size;
  const res = await h.topUp({ customer_id: 'cus_alice', amount, currency: 'usd' });
  expect(res.status).toBe(201);
  await waitFor(() => h.moesif.ledger.size > before, 5_000, 'the credit reaching Moesif');
}

/**
 * The service on a real loopback port, for a browser: the harness behind the same HTTP server
 * main.ts uses, the fake Stripe sending its webhooks there. With `checkout`, hosted checkouts may
 * return to the page (the server's origin is known before the service is built, so it can be in
 * CHECKOUT_RETURN_ORIGINS).
 */
export async function servedBilling(options: { checkout: boolean }): Promise<{ h: Harness; clock: { skew: number }; base: string; stop(): Promise<void> }> {
  let app: Express | null = null;
  const front = express();
  front.use((req, res, next) => (app ? app(req, res, next) : res.end()));
  const server = createHttpServer(front, { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
  const base = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  const { h, clock } = await billingHarness({ CHECKOUT_RETURN_ORIGINS: options.checkout ? base : '' });
  app = h.app;
  h.stripe.deliverWebhooksTo(`${base}/webhooks/stripe`, WEBHOOK_SECRET);
  return {
    h,
    clock,
    base,
    async stop() {
      await new Promise((r) => server.close(r));
      await h.stop();
    },
  };
}
