import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import type { Response } from 'supertest';
import type Stripe from 'stripe';
import { expect } from 'vitest';
import { API_KEY, JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET, waitFor, type Harness } from '../support/harness.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Lets the outbox worker (polling every 20 ms in tests) run several times. */
export const settle = (ms = 150): Promise<void> => sleep(ms);

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export interface JwtOptions {
  /** The Stripe customer claim; null leaves it out. */
  customer?: string | null;
  subject?: string;
  issuer?: string;
  audience?: string;
  secret?: string;
  /** Unix seconds. */
  expiresAt?: number;
  claim?: string;
}

/** An HS256 token as the operator's identity provider would issue it for a browser user. */
export async function signJwt(options: JwtOptions = {}): Promise<string> {
  const customer = options.customer === undefined ? 'cus_alice' : options.customer;
  const claims: Record<string, unknown> = customer === null ? {} : { [options.claim ?? 'stripe_customer_id']: customer };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.subject ?? `user_${customer ?? 'nobody'}`)
    .setIssuer(options.issuer ?? JWT_ISSUER)
    .setAudience(options.audience ?? JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresAt ?? nowSeconds() + 600)
    .sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
}

/** An unsigned token (alg "none") carrying a valid-looking customer claim. */
export function unsignedJwt(customer = 'cus_alice'): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const payload = { stripe_customer_id: customer, sub: 'user_x', iss: JWT_ISSUER, aud: JWT_AUDIENCE, exp: nowSeconds() + 600 };
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
}

/** POST /top-up with any Authorization header (undefined = none). */
export function postTopUp(h: Harness, body: unknown, authorization: string | undefined, idempotencyKey?: string) {
  const req = h.http.post('/top-up').timeout({ response: 10_000 });
  if (authorization !== undefined) req.set('Authorization', authorization);
  if (idempotencyKey !== undefined) req.set('Idempotency-Key', idempotencyKey);
  return req.send(body as object);
}

export const apiKeyAuth = `Bearer ${API_KEY}`;
export const bearer = (token: string): string => `Bearer ${token}`;

/** GET /top-ups/:id with the given Authorization header (undefined = none; pass apiKeyAuth for the server key). */
export function getTopUp(h: Harness, id: string, authorization: string | undefined) {
  const req = h.http.get(`/top-ups/${id}`).timeout({ response: 10_000 });
  if (authorization !== undefined) req.set('Authorization', authorization);
  return req;
}

/**
 * The one error shape: { error: { code, message, request_id, ...details } } with the request id
 * echoed in X-Request-Id. `details` lists the only extra keys allowed for this code.
 */
export function expectApiError(res: Response, status: number, code: string, details: readonly string[] = []): void {
  expect({ status: res.status, code: res.body?.error?.code }, `body: ${res.text}`).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body)).toEqual(['error']);
  const error = res.body.error as Record<string, unknown>;
  expect(typeof error.message).toBe('string');
  expect((error.message as string).length).toBeGreaterThan(0);
  expect(typeof error.request_id).toBe('string');
  expect(error.request_id).toBe(res.headers['x-request-id']);
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'request_id', ...details].sort());
  // Never a stack trace or an upstream's raw message.
  expect(res.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
  expect(res.text).not.toMatch(/simulated \d{3}|No such (customer|PaymentMethod|payment_intent)|Your card/i);
}

/** Field names of a validation_failed answer. */
export function badFields(res: Response): string[] {
  const fields = (res.body?.error?.fields ?? []) as { field: string; problem: string }[];
  return fields.map((f) => f.field);
}

/** Requests that created (or tried to create) a PaymentIntent at the fake Stripe. */
export function paymentIntentPosts(h: Harness) {
  return h.stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');
}

export function storedPaymentIntent(h: Harness, id: string): Stripe.PaymentIntent {
  const pi = h.stripe.paymentIntents.get(id);
  if (!pi) throw new Error(`the fake Stripe has no PaymentIntent ${id}`);
  return pi;
}

/** Nothing in the outbox and nothing sent to Moesif. */
export async function expectNothingCredited(h: Harness): Promise<void> {
  expect(await h.service.store.outbox.countByState()).toEqual({ pending: 0, delivered: 0, failed: 0, dead: 0 });
  expect(h.moesif.requests).toEqual([]);
  expect(h.moesif.accepted).toEqual([]);
}

export async function waitForDelivered(h: Harness, transactionId: string, timeoutMs = 3_000): Promise<void> {
  await waitFor(async () => (await h.service.store.outbox.get(transactionId))?.state === 'delivered', timeoutMs, `${transactionId} delivered`);
}

export interface RecordedStripeRequest {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  /** The form-encoded body Stripe-node sent, decoded. */
  params: URLSearchParams;
  /** Status answered (a scripted failure or the fake Stripe's). */
  status: number;
}

/**
 * A recording proxy between the service and the fake Stripe: it keeps every request's
 * form-encoded parameters (the fake keeps only method, path and idempotency key) and can answer
 * chosen requests with a scripted failure before they reach the fake. Point STRIPE_API_BASE at
 * `url` and set `target` to the fake's url once the harness is up.
 */
export class StripeRecorder {
  target = '';
  url = '';
  readonly requests: RecordedStripeRequest[] = [];
  private server: Server | null = null;
  private readonly faults: { method: string; path: string; statuses: number[] }[] = [];

  /** The next requests to `method path` are answered with these statuses, in order. */
  failNext(method: string, path: string, ...statuses: number[]): void {
    this.faults.push({ method, path, statuses: [...statuses] });
  }

  posts(path = '/v1/payment_intents'): RecordedStripeRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === path);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
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

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    const record: RecordedStripeRequest = {
      method,
      path,
      idempotencyKey: req.headers['idempotency-key'] as string | undefined,
      params: new URLSearchParams(body),
      status: 0,
    };
    this.requests.push(record);
    const fault = this.faults.find((f) => f.method === method && f.path === path && f.statuses.length > 0);
    if (fault) {
      record.status = fault.statuses.shift()!;
      res.writeHead(record.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'api_error', message: `simulated ${record.status} by recorder` } }));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
    }
    const upstream = await fetch(`${this.target}${req.url ?? '/'}`, {
      method,
      headers,
      ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
    });
    const text = await upstream.text();
    record.status = upstream.status;
    const out: Record<string, string> = { 'Content-Type': upstream.headers.get('content-type') ?? 'application/json' };
    const replayed = upstream.headers.get('idempotent-replayed');
    if (replayed) out['Idempotent-Replayed'] = replayed;
    res.writeHead(upstream.status, out);
    res.end(text);
  }
}
