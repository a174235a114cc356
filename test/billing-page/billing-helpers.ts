import type { Response } from 'supertest';
import { expect } from 'vitest';
import { API_KEY, startHarness, waitFor, type Harness } from '../support/harness.js';

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
