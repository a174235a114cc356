import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import type { Response } from 'supertest';
import { expect } from 'vitest';
import { API_KEY, JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET, topUpPaymentIntent, waitFor, type Harness } from '../support/harness.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const apiKeyAuth = `Bearer ${API_KEY}`;

/** An HS256 token for a browser user whose Stripe customer is `customer` (claim stripe_customer_id). */
export async function jwtFor(
  customer: string,
  options: { audience?: string; issuer?: string; expiresAt?: number; secret?: string } = {},
): Promise<string> {
  return new SignJWT({ stripe_customer_id: customer })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(`user_${customer}`)
    .setIssuer(options.issuer ?? JWT_ISSUER)
    .setAudience(options.audience ?? JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1000) + 600)
    .sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
}

/** GET /balance with a query and an Authorization header (undefined = none). */
export function getBalance(h: Harness, query: Record<string, string>, authorization: string | undefined) {
  const req = h.http.get('/balance').query(query).timeout({ response: 10_000 });
  if (authorization !== undefined) req.set('Authorization', authorization);
  return req;
}

/** { error: { code, message, request_id, ...details } }, request id echoed in X-Request-Id. */
export function expectApiError(res: Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.error?.code }, `body: ${res.text}`).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.request_id).toBe(res.headers['x-request-id']);
}

/** A succeeded top-up of `amount` usd credited to alice through the webhook, delivered to the fake Moesif. */
export async function creditAlice(h: Harness, amount = 1000): Promise<string> {
  const pi = topUpPaymentIntent({ amount, amount_received: amount });
  const res = await h.postEvent(h.stripe.makeEvent('payment_intent.succeeded', pi));
  expect(res.status).toBe(200);
  await waitFor(async () => (await h.service.store.outbox.get(pi.id))?.state === 'delivered', 5_000, `credit ${pi.id} delivered`);
  return pi.id;
}

/**
 * A pass-through HTTP proxy in front of the fake Moesif that records every request, so tests can
 * count the balance GETs (the fake itself records only POSTs). Point MOESIF_API_URL at `apiUrl`
 * and set `target` once the fake Moesif has started.
 */
export class CountingProxy {
  readonly requests: { method: string; path: string }[] = [];
  /** Base URL of the fake Moesif, e.g. http://127.0.0.1:1234 */
  target = '';
  private server: Server | null = null;
  url = '';

  get apiUrl(): string {
    return `${this.url}/v1`;
  }

  /** Balance reads that reached the proxy (whatever Moesif then answered). */
  balanceGets(subscriptionId?: string): number {
    return this.requests.filter(
      (r) => r.method === 'GET' && r.path.startsWith('/v1/search/~/subscriptions/') && (!subscriptionId || r.path.endsWith(`/${subscriptionId}`)),
    ).length;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.requests.push({ method: req.method ?? '', path: req.url ?? '' });
      const target = new URL(this.target);
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }
}
