import { Writable } from 'node:stream';
import type { Express } from 'express';
import supertest from 'supertest';
import { afterEach } from 'vitest';
import type Stripe from 'stripe';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';
import { buildService, type Service } from '../../src/service.js';
import { FakeMoesif } from '../../src/simulators/fake-moesif.js';
import { FakeStripe, signEvent, type FakeCustomer } from '../../src/simulators/fake-stripe.js';

export const WEBHOOK_SECRET = 'whsec_test_secret_for_topup_sync';
export const API_KEY = 'test-api-key-0123456789abcdef';
export const MOESIF_KEY = 'moesif-management-key-test';
export const ADMIN_KEY = 'admin-key-0123456789abcdef';
export const JWT_SECRET = 'jwt-test-secret-that-is-at-least-32-chars!';
export const JWT_ISSUER = 'https://id.example.test/';
export const JWT_AUDIENCE = 'topup-sync-test';

/** A customer with one default card and one active subscription: the happy path. */
export const ALICE: FakeCustomer = {
  id: 'cus_alice',
  defaultPaymentMethod: 'pm_card_visa',
  paymentMethods: ['pm_card_visa', 'pm_card_chargeDeclined', 'pm_card_authenticationRequired', 'pm_card_chargeDeclinedInsufficientFunds', 'pm_processing'],
  subscriptions: [{ id: 'sub_alice', status: 'active' }],
};
export const BOB: FakeCustomer = {
  id: 'cus_bob',
  defaultPaymentMethod: 'pm_card_visa',
  paymentMethods: ['pm_card_visa'],
  subscriptions: [{ id: 'sub_bob', status: 'active' }],
};

/** Environment for a service wired to the given fakes; `overrides` win. */
export function testEnv(stripe: FakeStripe, moesif: FakeMoesif, overrides: Record<string, string | undefined> = {}) {
  return {
    STRIPE_SECRET_KEY: 'sk_test_fake',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE: stripe.url,
    MOESIF_MANAGEMENT_API_KEY: MOESIF_KEY,
    MOESIF_API_URL: moesif.apiUrl,
    MOESIF_TIMEOUT_MS: '500',
    DATABASE_URL: 'sqlite::memory:',
    TOP_UP_API_KEYS: API_KEY,
    ADMIN_API_KEY: ADMIN_KEY,
    JWT_SECRET,
    JWT_ISSUER,
    JWT_AUDIENCE,
    TOP_UP_CURRENCIES: 'usd,eur,jpy,kwd,isk',
    LOG_LEVEL: 'silent',
    OUTBOX_POLL_INTERVAL_MS: '20',
    OUTBOX_RETRY_BASE_DELAY_MS: '10',
    OUTBOX_RETRY_MAX_DELAY_MS: '50',
    // Tests drive many requests per minute; the limits have tests of their own (test/security).
    RATE_LIMIT_TOP_UPS_PER_MINUTE: '100000',
    RATE_LIMIT_USER_REQUESTS_PER_MINUTE: '100000',
    RATE_LIMIT_API_KEY_REQUESTS_PER_MINUTE: '100000',
    ...overrides,
  };
}

/** Collects log lines so tests can assert on what was (not) logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    done();
  }
  get text(): string {
    return this.lines.join('');
  }
}

export interface Harness {
  stripe: FakeStripe;
  moesif: FakeMoesif;
  config: Config;
  service: Service;
  app: Express;
  logs: LogCapture;
  http: ReturnType<typeof supertest>;
  /** Signs and posts an event to /webhooks/stripe. */
  postEvent(event: Stripe.Event, secret?: string): supertest.Test;
  /** Posts /top-up as the server-to-server API key. */
  topUp(body: Record<string, unknown>, idempotencyKey?: string): supertest.Test;
  stop(): Promise<void>;
}

export async function startHarness(
  options: { env?: Record<string, string | undefined>; customers?: FakeCustomer[]; startWorker?: boolean; now?: () => number } = {},
): Promise<Harness> {
  const stripe = await new FakeStripe().start();
  const moesif = await new FakeMoesif({ apiKey: MOESIF_KEY }).start();
  for (const c of options.customers ?? [ALICE, BOB]) stripe.addCustomer(structuredClone(c));
  const config = loadConfig(testEnv(stripe, moesif, options.env));
  const logs = new LogCapture();
  const logger = createLogger(options.env?.LOG_LEVEL ?? 'debug', logs);
  const service = await buildService(config, logger, options.now);
  if (options.startWorker !== false) service.worker.start();
  const http = supertest(service.app);
  return {
    stripe,
    moesif,
    config,
    service,
    app: service.app,
    logs,
    http,
    postEvent(event, secret = WEBHOOK_SECRET) {
      const { body, signature } = signEvent(event, secret);
      return http.post('/webhooks/stripe').set('Stripe-Signature', signature).set('Content-Type', 'application/json').send(body);
    },
    topUp(body, idempotencyKey) {
      const req = http.post('/top-up').set('Authorization', `Bearer ${API_KEY}`);
      if (idempotencyKey) req.set('Idempotency-Key', idempotencyKey);
      return req.send(body);
    },
    async stop() {
      await service.close();
      await stripe.stop();
      await moesif.stop();
    },
  };
}

/**
 * For a describe block whose tests each start their own harness (often with their own env):
 * returns a starter, and stops every harness it started after each test.
 */
export function harnessPerTest(): (env?: Record<string, string | undefined>) => Promise<Harness> {
  const started: Harness[] = [];
  afterEach(async () => {
    for (const h of started.splice(0)) await h.stop();
  });
  return async (env = {}) => {
    const h = await startHarness({ env: { LOG_LEVEL: 'silent', ...env } });
    started.push(h);
    return h;
  };
}

/** Polls until `check` returns true, or fails after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A succeeded PaymentIntent created by this service for `customer`, as a Stripe event would carry it. */
export function topUpPaymentIntent(overrides: Partial<Stripe.PaymentIntent> & { metadata?: Record<string, string> } = {}) {
  const id = overrides.id ?? `pi_${Math.random().toString(36).slice(2, 14)}`;
  return {
    id,
    object: 'payment_intent',
    amount: 1000,
    amount_received: 1000,
    currency: 'usd',
    customer: 'cus_alice',
    status: 'succeeded',
    client_secret: `${id}_secret_x`,
    metadata: { topup_sync: 'v1', moesif_company_id: 'cus_alice', moesif_subscription_id: 'sub_alice' },
    livemode: false,
    created: Math.floor(Date.now() / 1000),
    ...overrides,
  } as unknown as Stripe.PaymentIntent;
}
