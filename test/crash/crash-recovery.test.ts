import { join } from 'node:path';
import type Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { FakeMoesif } from '../../src/simulators/fake-moesif.js';
import { FakeStripe, signEvent } from '../../src/simulators/stripe/fake-stripe.js';
import { ALICE, MOESIF_KEY, WEBHOOK_SECRET, testEnv, topUpPaymentIntent, waitFor } from '../support/harness.js';
import { cleanupCli, parseJson, runCli } from '../operations/run-cli.js';
import { cleanupServiceProcesses, ServiceProcess, tempDir } from './service-process.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Posts a signed event to a running child; returns the HTTP status. */
async function postEvent(port: number, event: Stripe.Event): Promise<number> {
  const { body, signature } = signEvent(event, WEBHOOK_SECRET);
  const res = await fetch(`http://127.0.0.1:${port}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

/** Reads the outbox entry straight from the database file (only while no child holds it open). */
async function storedEntry(databasePath: string, transactionId: string) {
  const store = new SqliteStore(databasePath);
  try {
    return await store.outbox.get(transactionId);
  } finally {
    await store.close();
  }
}

/**
 * Sample defect 3: the sample answered Stripe 200 and then posted to Moesif from memory, so a
 * crash in between lost the credit. Here the real service runs as a child process on a SQLite
 * file; it is killed mid-delivery and restarted on the same file.
 */
// Each test starts real processes (tsx compiles on start): seconds each on a loaded 2-core machine.
describe('crash recovery (real process, SQLite file)', { timeout: 60_000 }, () => {
  let stripe: FakeStripe;
  let moesif: FakeMoesif;
  let databasePath: string;

  beforeEach(async () => {
    stripe = await new FakeStripe().start();
    stripe.addCustomer(structuredClone(ALICE));
    moesif = await new FakeMoesif({ apiKey: MOESIF_KEY }).start();
    databasePath = join(tempDir('topup-sync-crash-'), 'topup.db');
  });

  afterEach(async () => {
    await cleanupServiceProcesses(); // SIGKILL any child still running, whatever happened
    await cleanupCli();
    await stripe.stop();
    await moesif.stop();
  });

  function serviceEnv(overrides: Record<string, string> = {}) {
    return testEnv(stripe, moesif, {
      DATABASE_URL: `sqlite:${databasePath}`,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      OUTBOX_POLL_INTERVAL_MS: '50',
      // The default lease (15 s): a restarted service must not wait it out (it owns the file and
      // releases a dead process's leases at once).
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...overrides,
    });
  }

  it('defect 3: SIGKILL while Moesif hangs on the delivery → after a restart the credit arrives exactly once', async () => {
    // The first deliveries hang (MOESIF_TIMEOUT_MS=500); the kill comes long before the third try.
    moesif.respondWith('timeout', 'timeout', 'timeout');
    const first = new ServiceProcess(serviceEnv({ MOESIF_TIMEOUT_MS: '500' }));
    const port = await first.listening();

    const pi = topUpPaymentIntent({ amount: 1000, amount_received: 1000 });
    expect(await postEvent(port, stripe.makeEvent('payment_intent.succeeded', pi)), first.stdout).toBe(200);
    await waitFor(() => moesif.requests.length >= 1, 10_000, 'a delivery attempt');

    const killed = await first.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    await sleep(100);
    expect(moesif.ledger.has(pi.id)).toBe(false);
    expect(moesif.accepted).toHaveLength(0);

    // The acknowledged credit is on disk, not delivered.
    const onDisk = await storedEntry(databasePath, pi.id);
    expect(onDisk).toMatchObject({ transactionId: pi.id, state: 'pending', amountMinor: 1000, currency: 'usd' });

    const second = new ServiceProcess(serviceEnv());
    await second.listening();
    await waitFor(() => moesif.ledger.has(pi.id), 15_000, 'the credit after restart');
    await sleep(300); // nothing more should follow
    expect(moesif.ledger.size).toBe(1);
    expect(moesif.accepted).toHaveLength(1);
    expect(moesif.ledger.get(pi.id)).toMatchObject({ amount: 10, type: 'credit', company_id: 'cus_alice', subscription_id: 'sub_alice' });
    for (const body of moesif.requests) expect(body.transaction_id).toBe(pi.id);

    expect((await second.stop('SIGTERM')).code).toBe(0);
    expect((await storedEntry(databasePath, pi.id))?.state).toBe('delivered');
  });

  it('SIGKILL during a delivery → the restarted service delivers the credit within 5 s, not after the dead claim\'s lease', async () => {
    moesif.respondWith('timeout'); // the first attempt hangs until the kill
    const first = new ServiceProcess(serviceEnv({ MOESIF_TIMEOUT_MS: '30000' }));
    const port = await first.listening();
    const pi = topUpPaymentIntent({ amount: 1500, amount_received: 1500 });
    expect(await postEvent(port, stripe.makeEvent('payment_intent.succeeded', pi)), first.stdout).toBe(200);
    await waitFor(() => moesif.requests.length >= 1, 10_000, 'the delivery under way');
    await first.stop('SIGKILL');
    expect(moesif.ledger.size).toBe(0);

    const second = new ServiceProcess(serviceEnv());
    await second.listening();
    // The bound is the requirement (a crash costs seconds, not a lease); the service is up by now.
    await waitFor(() => moesif.ledger.has(pi.id), 5_000, 'the credit within 5 s of the restart');
    expect(moesif.accepted).toHaveLength(1);
    expect(moesif.ledger.get(pi.id)?.amount).toBe(15);
    expect(moesif.requests.map((body) => body.transaction_id)).toEqual([pi.id, pi.id]);
  });

  it('a second service on the same file stops at start-up naming the file and the running one\'s pid; npm run admin runs beside it', async () => {
    const first = new ServiceProcess(serviceEnv());
    const port = await first.listening();
    const pi = topUpPaymentIntent();
    expect(await postEvent(port, stripe.makeEvent('payment_intent.succeeded', pi)), first.stdout).toBe(200);

    const second = new ServiceProcess(serviceEnv());
    const exit = await second.waitForExit(15_000);
    expect(exit.code).toBe(1);
    const fatal = second.logLines.find((l) => l.level === 60) as { err?: { message?: string } } | undefined;
    expect(fatal?.err?.message, second.stdout).toContain(databasePath);
    expect(fatal?.err?.message).toContain(`pid ${first.proc.pid}`);

    const counts = await runCli('cli/admin.ts', ['counts'], serviceEnv({ LOG_LEVEL: 'silent' }));
    expect(counts.code, counts.stderr).toBe(0);
    expect(Object.values(parseJson<Record<string, number>>(counts)).reduce((a, b) => a + b, 0)).toBe(1);
    expect(first.hasExited).toBe(false);
    await waitFor(() => moesif.ledger.has(pi.id), 10_000, 'the first service still delivers');
    expect((await first.stop('SIGTERM')).code).toBe(0);
  });

  it('defect 3: Moesif 500, then SIGKILL before the retry → the retry schedule survives the restart and the credit arrives once', async () => {
    moesif.respondWith(500);
    const env = serviceEnv({ OUTBOX_RETRY_BASE_DELAY_MS: '3000', OUTBOX_RETRY_MAX_DELAY_MS: '3000' });
    const first = new ServiceProcess(env);
    const port = await first.listening();
    const pi = topUpPaymentIntent({ amount: 2500, amount_received: 2500 });
    expect(await postEvent(port, stripe.makeEvent('payment_intent.succeeded', pi)), first.stdout).toBe(200);
    await waitFor(() => moesif.requests.length >= 1, 10_000, 'the failed attempt');
    await sleep(100); // let the child record the failure
    await first.stop('SIGKILL');
    expect(moesif.ledger.size).toBe(0);

    const onDisk = await storedEntry(databasePath, pi.id);
    expect(onDisk?.state).toBe('pending');

    const second = new ServiceProcess(env);
    await second.listening();
    await waitFor(() => moesif.ledger.has(pi.id), 15_000, 'the credit after restart');
    await sleep(300);
    expect(moesif.ledger.size).toBe(1);
    expect(moesif.accepted).toHaveLength(1);
    expect(moesif.ledger.get(pi.id)?.amount).toBe(25);
    expect(moesif.requests).toHaveLength(2);
  });

  it('a Stripe redelivery of the same event after the restart does not credit twice', async () => {
    const first = new ServiceProcess(serviceEnv());
    const port = await first.listening();
    const pi = topUpPaymentIntent();
    const event = stripe.makeEvent('payment_intent.succeeded', pi);
    expect(await postEvent(port, event), first.stdout).toBe(200);
    // Kill only once the child has recorded the delivery (its log line follows the store update).
    await waitFor(() => first.logLines.some((l) => l.msg === 'ledger entry delivered to Moesif' && l.transactionId === pi.id), 10_000, 'delivery recorded');
    await first.stop('SIGKILL');
    expect((await storedEntry(databasePath, pi.id))?.state).toBe('delivered');

    const second = new ServiceProcess(serviceEnv());
    const port2 = await second.listening();
    expect(await postEvent(port2, event), second.stdout).toBe(200); // Stripe retries: same event id
    expect(await postEvent(port2, stripe.makeEvent('payment_intent.succeeded', pi)), second.stdout).toBe(200); // or a new event, same PaymentIntent
    await sleep(400);
    expect(moesif.requests).toHaveLength(1);
    expect(moesif.ledger.size).toBe(1);
  });

  it('SIGKILL just as Moesif accepts (recorded or not) → after restart Moesif still holds the credit once', async () => {
    const first = new ServiceProcess(serviceEnv());
    const port = await first.listening();
    const pi = topUpPaymentIntent({ amount: 4200, amount_received: 4200 });
    expect(await postEvent(port, stripe.makeEvent('payment_intent.succeeded', pi)), first.stdout).toBe(200);
    await waitFor(() => moesif.accepted.length >= 1, 10_000, 'Moesif accepted');
    await first.stop('SIGKILL'); // the child may or may not have recorded the delivery yet

    const second = new ServiceProcess(serviceEnv());
    await second.listening();
    // Whichever it was, the entry ends delivered; a resend (if any) carries the same transaction_id.
    await sleep(1_500); // the restart released the dead claim's lease: a resend, if any, is done by now
    expect((await second.stop('SIGTERM')).code).toBe(0);
    expect((await storedEntry(databasePath, pi.id))?.state).toBe('delivered');
    expect(moesif.requests.length).toBeLessThanOrEqual(2);
    for (const body of moesif.requests) expect(body.transaction_id).toBe(pi.id);
    expect(moesif.ledger.size).toBe(1);
    expect(moesif.balanceOf('sub_alice')).toBe(42);
  });

  it('graceful shutdown: SIGTERM → exit 0 within a few seconds', async () => {
    const child = new ServiceProcess(serviceEnv());
    const port = await child.listening();
    const health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
    await health?.arrayBuffer();
    const started = Date.now();
    const exit = await child.stop('SIGTERM', 5_000);
    expect(exit.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(child.logLines.some((l) => l.msg === 'shut down cleanly')).toBe(true);
  });

  it('graceful shutdown: SIGINT → exit 0', async () => {
    const child = new ServiceProcess(serviceEnv());
    await child.listening();
    expect((await child.stop('SIGINT', 5_000)).code).toBe(0);
  });

  it('graceful shutdown during a hanging delivery: exits 0 within a few seconds, the credit is kept and delivered after restart', async () => {
    moesif.respondWith('timeout');
    const first = new ServiceProcess(serviceEnv({ MOESIF_TIMEOUT_MS: '500' }));
    const port = await first.listening();
    const pi = topUpPaymentIntent({ amount: 700, amount_received: 700 });
    expect(await postEvent(port, stripe.makeEvent('payment_intent.succeeded', pi)), first.stdout).toBe(200);
    await waitFor(() => moesif.requests.length >= 1, 10_000, 'a delivery attempt');

    const started = Date.now();
    const exit = await first.stop('SIGTERM', 5_000);
    expect(exit.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(moesif.ledger.size).toBe(0);
    const onDisk = await storedEntry(databasePath, pi.id);
    expect(onDisk?.state).toBe('pending');

    const second = new ServiceProcess(serviceEnv());
    await second.listening();
    await waitFor(() => moesif.ledger.has(pi.id), 15_000, 'the credit after restart');
    await sleep(300);
    expect(moesif.ledger.size).toBe(1);
    expect(moesif.accepted).toHaveLength(1);
    expect(moesif.ledger.get(pi.id)?.amount).toBe(7);
  });
});
