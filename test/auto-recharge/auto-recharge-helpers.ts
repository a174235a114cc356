import supertest from 'supertest';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';
import { buildService, type Service } from '../../src/service.js';
import { FakeMoesif, type ReceivedTransaction } from '../../src/simulators/fake-moesif.js';
import { FakeStripe, type FakeCustomer } from '../../src/simulators/stripe/fake-stripe.js';
import { API_KEY, MOESIF_KEY, simulatedEnv } from '../../src/simulators/simulated-env.js';
import { IN_PROCESS_SERVICE_ENV, LogCapture, waitFor } from '../support/harness.js';

export const HINT_TOKEN = 'hint-token-0123456789abcdef';
/** 2026-03-10 12:00 UTC: mid-month, mid-day, so month and day boundaries are where tests put them. */
export const START = Date.UTC(2026, 2, 10, 12, 0, 0);
export const HOUR = 3_600_000;

/** A clock tests move by hand: nothing in auto-recharge waits for real time. */
export class Clock {
  constructor(public t = START) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export const CAROL: FakeCustomer = {
  id: 'cus_carol',
  defaultPaymentMethod: 'pm_card_visa',
  paymentMethods: ['pm_card_visa', 'pm_card_mastercard', 'pm_card_authenticationRequired', 'pm_card_visa_chargeDeclinedLostCard'],
  subscriptions: [{ id: 'sub_carol', status: 'active' }],
};
export const DAVE: FakeCustomer = {
  id: 'cus_dave',
  defaultPaymentMethod: 'pm_card_visa',
  paymentMethods: ['pm_card_visa'],
  subscriptions: [{ id: 'sub_dave', status: 'active' }],
};

export interface ArWorld {
  clock: Clock;
  stripe: FakeStripe;
  moesif: FakeMoesif;
  config: Config;
  services: Service[];
  logs: LogCapture;
  http: ReturnType<typeof supertest>;
  /** Another instance on the same store (a file or PostgreSQL). */
  addInstance(): Promise<Service>;
  stop(): Promise<void>;
}

/** Fakes, a clock, and one service (more with addInstance) with its background worker delivering credits. */
export async function startWorld(options: { env?: Record<string, string>; customers?: FakeCustomer[]; databaseUrl?: string } = {}): Promise<ArWorld> {
  const clock = new Clock();
  const stripe = await new FakeStripe().start();
  const moesif = await new FakeMoesif({ apiKey: MOESIF_KEY, now: clock.now }).start();
  for (const c of options.customers ?? [CAROL, DAVE]) stripe.addCustomer(structuredClone(c));
  const config = loadConfig(
    simulatedEnv(stripe, moesif, {
      ...IN_PROCESS_SERVICE_ENV,
      AUTO_RECHARGE_HINT_TOKEN: HINT_TOKEN,
      LOG_LEVEL: 'debug',
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ...options.env,
    }),
  );
  const logs = new LogCapture();
  const services: Service[] = [];
  const addInstance = async () => {
    const service = await buildService(config, createLogger('debug', logs), clock.now);
    service.worker.start();
    services.push(service);
    return service;
  };
  await addInstance();
  return {
    clock,
    stripe,
    moesif,
    config,
    services,
    logs,
    http: supertest(services[0]!.app),
    addInstance,
    async stop() {
      for (const s of services) await s.close();
      await stripe.stop();
      await moesif.stop();
    },
  };
}

/** Puts credits straight into the fake Moesif's ledger (as an earlier purchase would have). */
export function seedBalance(w: ArWorld, subscriptionId: string, credits: number, companyId = subscriptionId.replace('sub_', 'cus_')): void {
  const tx: ReceivedTransaction = { company_id: companyId, subscription_id: subscriptionId, amount: credits, type: 'credit', transaction_id: `seed_${subscriptionId}_${w.moesif.ledger.size}` };
  w.moesif.ledger.set(tx.transaction_id, tx);
}

export const apiKey = `Bearer ${API_KEY}`;

export const consent = { accepted: true, terms_version: '2026-03' };

/** A valid enabled fixed-mode setting for Carol: below 10 credits, charge 10.00 usd; cap 100.00. */
export function carolSetting(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { customer_id: 'cus_carol', enabled: true, threshold: 10, mode: 'fixed', amount: 1000, currency: 'usd', monthly_cap: 10_000, consent, ...overrides };
}

export function putSetting(w: ArWorld, body: Record<string, unknown>, authorization = apiKey) {
  return w.http.put('/auto-recharge').set('Authorization', authorization).send(body);
}

export function getSetting(w: ArWorld, query: string, authorization = apiKey) {
  return w.http.get(`/auto-recharge?${query}`).set('Authorization', authorization);
}

/** PaymentIntents the fake Stripe created for a customer (each one a charge attempt that reached Stripe). */
export function paymentIntentsOf(w: ArWorld, customerId: string) {
  return [...w.stripe.paymentIntents.values()].filter((pi) => pi.customer === customerId);
}

/** Credits Moesif accepted for a subscription (deduplicated ledger), seeds excluded. */
export function creditsOf(w: ArWorld, subscriptionId: string) {
  return [...w.moesif.ledger.values()].filter((t) => t.subscription_id === subscriptionId && !t.transaction_id.startsWith('seed_'));
}

/** Until Moesif has `n` credits for the subscription and the outbox has recorded them delivered. */
export async function waitForCredits(w: ArWorld, subscriptionId: string, n: number): Promise<void> {
  await waitFor(
    async () => creditsOf(w, subscriptionId).length >= n && (await w.services[0]!.store.outbox.countByState()).pending === 0,
    5_000,
    `${n} credit(s) for ${subscriptionId}`,
  );
}

/** One scheduler tick on every instance, all at once. */
export function tickAll(w: ArWorld): Promise<number[]> {
  return Promise.all(w.services.map((s) => s.autoRechargeTick()));
}
