import type { Worker } from 'node:worker_threads';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { MoesifDeliveryError } from '../../src/moesif/moesif-errors.js';
import type { MoesifBalanceTransaction } from '../../src/moesif/moesif-http.js';
import { MoesifPostThread, postThreadSettings } from '../../src/moesif/moesif-post-thread.js';
import { FakeMoesif } from '../../src/simulators/fake-moesif.js';
import { FakeStripe } from '../../src/simulators/stripe/fake-stripe.js';
import { MOESIF_KEY, startHarness, testEnv, type Harness } from '../support/harness.js';
import { postSucceeded, waitForState } from './delivery-helpers.js';

/**
 * Deliveries' HTTP requests to Moesif run on a worker thread (OUTBOX_POST_THREAD, on by default;
 * services started as processes by the crash, multi-instance and soak tests use it). The thread must answer exactly as the
 * main-thread client would: the same request at Moesif, and the same MoesifDeliveryError (retry or
 * not, status, body, Retry-After) for each failure.
 */
describe('the Moesif post thread', () => {
  let stripe: FakeStripe;
  let moesif: FakeMoesif;
  let poster: MoesifPostThread;
  beforeAll(async () => {
    stripe = await new FakeStripe().start();
    moesif = await new FakeMoesif({ apiKey: MOESIF_KEY }).start();
    // The simulated environment's 3 s timeout: a burst's first requests open their connections on
    // a machine that may be busy with another suite.
    const config = loadConfig(testEnv(stripe, moesif));
    poster = new MoesifPostThread(postThreadSettings(config), pino({ level: 'silent' }));
  });
  afterEach(() => moesif.respondNormally());
  afterAll(async () => {
    await poster.close();
    await moesif.stop();
    await stripe.stop();
  });

  let n = 0;
  const tx = (): MoesifBalanceTransaction => ({
    company_id: 'cus_thread',
    subscription_id: 'sub_thread',
    amount: 12.34,
    type: 'credit',
    transaction_id: `pi_thread_${++n}`,
    description: 'thread test',
  });
  const failureOf = async (p: Promise<void>): Promise<MoesifDeliveryError> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MoesifDeliveryError);
    return err as MoesifDeliveryError;
  };

  it('a 2xx resolves, and Moesif received the transaction as sent', async () => {
    const sent = tx();
    await poster.postTransaction(sent);
    expect(moesif.ledger.get(sent.transaction_id)).toMatchObject({ amount: 12.34, company_id: 'cus_thread', subscription_id: 'sub_thread', type: 'credit' });
  });

  it('every post of a burst is answered, each with its own outcome', async () => {
    moesif.respondWith(503, 400);
    const burst = Array.from({ length: 300 }, tx);
    const outcomes = await Promise.allSettled(burst.map((t) => poster.postTransaction(t)));
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as MoesifDeliveryError);
    expect(rejected.map((e) => e.status).sort()).toEqual([400, 503]);
    expect(rejected.find((e) => e.status === 503)?.retryable).toBe(true);
    expect(rejected.find((e) => e.status === 400)?.retryable).toBe(false);
    const landed = burst.filter((t) => moesif.ledger.has(t.transaction_id));
    expect(landed).toHaveLength(298);
    // Each fulfilled promise is exactly a transaction Moesif kept.
    outcomes.forEach((o, i) => expect(o.status === 'fulfilled').toBe(moesif.ledger.has(burst[i]!.transaction_id)));
  });

  it("a refusal is not retryable and keeps Moesif's status and body", async () => {
    moesif.respondWith(400);
    const err = await failureOf(poster.postTransaction(tx()));
    expect(err.retryable).toBe(false);
    expect(err.status).toBe(400);
    expect(err.message).toBe('Moesif answered 400');
    expect(err.responseBody).toContain('scripted 400');
  });

  it("a 429 is retryable and carries Moesif's Retry-After", async () => {
    moesif.respondWith(429);
    const err = await failureOf(poster.postTransaction(tx()));
    expect(err.retryable).toBe(true);
    expect(err.status).toBe(429);
    expect(err.retryAfterMs).toBe(1_000);
  });

  it('no answer within MOESIF_TIMEOUT_MS is a retryable failure without a status', async () => {
    moesif.respondWith('timeout');
    const err = await failureOf(poster.postTransaction(tx()));
    expect(err.retryable).toBe(true);
    expect(err.status).toBeNull();
    expect(err.message).toMatch(/request to Moesif failed: ETIMEDOUT/);
  });

  it('if the thread dies, the posts waiting on it fail as retryable and the next post starts a new thread', async () => {
    moesif.respondWith('timeout');
    const waiting = poster.postTransaction(tx());
    // Let the request reach Moesif, then end the thread from outside, as a crash would.
    await new Promise((r) => setTimeout(r, 100));
    const worker = (poster as unknown as { worker: Worker | null }).worker;
    expect(worker).not.toBeNull();
    await worker!.terminate();
    const err = await failureOf(waiting);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/post thread stopped/);

    const next = tx();
    await poster.postTransaction(next);
    expect(moesif.ledger.has(next.transaction_id)).toBe(true);
  });

  it('a thread that never answers does not hold a delivery forever: the post fails as retryable after three timeouts and 5 s', async () => {
    const config = loadConfig(testEnv(stripe, moesif, { MOESIF_TIMEOUT_MS: '100' }));
    const silent = new MoesifPostThread(postThreadSettings(config), pino({ level: 'silent' }));
    silent.start();
    // The thread stays up but never hears of the request, as if its event loop were stuck.
    const worker = (silent as unknown as { worker: Worker }).worker;
    worker.postMessage = () => {};
    const started = Date.now();
    const err = await failureOf(silent.postTransaction(tx()));
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/no answer from the Moesif post thread within 5300 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5_300);
    await silent.close();
  }, 15_000);
});

describe('a service with OUTBOX_POST_THREAD=true (the default; in-process test services turn it off)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { OUTBOX_POST_THREAD: 'true' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('a succeeded payment is credited once, after a transient failure', async () => {
    h.moesif.respondWith(503);
    const pi = await postSucceeded(h, { amount: 1000, amount_received: 1000 });
    const entry = await waitForState(h, pi.id, 'delivered');
    expect(entry.attempts).toBe(2);
    expect(h.moesif.ledger.get(pi.id)).toMatchObject({ amount: 10, type: 'credit' });
    expect(h.moesif.accepted).toHaveLength(1);
  });
});
