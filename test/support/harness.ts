import { Writable } from 'node:stream';
import type { Express } from 'express';
import supertest from 'supertest';
import { afterEach, expect } from 'vitest';
import type Stripe from 'stripe';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';
import { buildService, type Service } from '../../src/service.js';
import { FakeMoesif } from '../../src/simulators/fake-moesif.js';
import { FakeStripe, signEvent, type FakeCustomer } from '../../src/simulators/stripe/fake-stripe.js';
import { API_KEY, MOESIF_KEY, WEBHOOK_SECRET, simulatedEnv } from '../../src/simulators/simulated-env.js';
import { receivedProblems, type ReceivedResponse } from './contract.js';

export { ADMIN_KEY, API_KEY, JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET, MOESIF_KEY, WEBHOOK_SECRET } from '../../src/simulators/simulated-env.js';
/** Environment for a service wired to the given fakes; `overrides` win. */
export const testEnv = simulatedEnv;

/**
 * What in-process test services change from the defaults. They post to Moesif from the main
 * thread: under tsx, starting the post thread costs each service about half a second of CPU,
 * hundreds of times a suite. The thread has its own tests (test/delivery/moesif-post-thread.test.ts),
 * and every service started as a process (crash, multi-instance, soak and command tests) runs the
 * default, the thread.
 */
export const IN_PROCESS_SERVICE_ENV: Readonly<Record<string, string>> = { OUTBOX_POST_THREAD: 'false' };

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
  /** Every response `http` received, in order. */
  received: ReceivedResponse[];
  /** Stops everything; then fails if a response `http` received is not what /openapi.json documents (unless checkContract: false). */
  stop(): Promise<void>;
}

export async function startHarness(
  options: {
    env?: Record<string, string | undefined>;
    customers?: FakeCustomer[];
    startWorker?: boolean;
    now?: () => number;
    /** Check every response received against the OpenAPI document when stopping (default true). */
    checkContract?: boolean;
  } = {},
): Promise<Harness> {
  const stripe = await new FakeStripe().start();
  const moesif = await new FakeMoesif({ apiKey: MOESIF_KEY }).start();
  for (const c of options.customers ?? [ALICE, BOB]) stripe.addCustomer(structuredClone(c));
  const config = loadConfig(testEnv(stripe, moesif, { ...IN_PROCESS_SERVICE_ENV, ...options.env }));
  const logs = new LogCapture();
  const logger = createLogger(options.env?.LOG_LEVEL ?? 'debug', logs);
  const service = await buildService(config, logger, options.now);
  if (options.startWorker !== false) service.worker.start();
  const received: ReceivedResponse[] = [];
  const agent = supertest(service.app);
  // Every request made through `http` records its response, for the contract check in stop().
  const http = new Proxy(agent, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const test = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (test instanceof supertest.Test) test.on('response', (res: ReceivedResponse) => received.push(res));
        return test;
      };
    },
  });
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
    received,
    async stop() {
      await service.close();
      await stripe.stop();
      await moesif.stop();
      if (options.checkContract !== false) expect(await receivedProblems(service.app, received), 'responses the OpenAPI document does not allow').toEqual([]);
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
    // Every harness is stopped even when one's contract check fails; then the first failure is reported.
    const outcomes = await Promise.allSettled(started.splice(0).map((h) => h.stop()));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
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
