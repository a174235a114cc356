import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxEntry } from '../../src/ledger/ledger-entry.js';
import { startHarness, testEnv, topUpPaymentIntent, waitFor, type Harness } from '../support/harness.js';
import { cleanupCli, killCliChildren, parseJson, runCli, tempDir } from './run-cli.js';

/**
 * `npm run admin -- …` as a real child process, on a SQLite file first populated by a service
 * (one delivered credit, two credits Moesif refused) and then closed.
 */
describe('npm run admin (CLI, child process)', () => {
  let h: Harness;
  let databasePath: string;
  let delivered: string;
  let deadA: string;
  let deadB: string;
  let deadEvent: string;

  beforeAll(async () => {
    databasePath = join(tempDir('topup-sync-admin-cli-'), 'admin.db');
    h = await startHarness({ env: { DATABASE_URL: `sqlite:${databasePath}`, LOG_LEVEL: 'silent' } });
    h.moesif.respondWith(400, 400);
    const a = topUpPaymentIntent();
    const b = topUpPaymentIntent();
    const evA = h.stripe.makeEvent('payment_intent.succeeded', a);
    expect((await h.postEvent(evA)).status).toBe(200);
    expect((await h.postEvent(h.stripe.makeEvent('payment_intent.succeeded', b))).status).toBe(200);
    await waitFor(async () => (await h.service.store.outbox.countByState()).dead === 2, 5_000, 'two dead entries');
    const c = topUpPaymentIntent();
    expect((await h.postEvent(h.stripe.makeEvent('payment_intent.succeeded', c))).status).toBe(200);
    await waitFor(async () => (await h.service.store.outbox.countByState()).delivered === 1, 5_000, 'one delivered entry');
    [deadA, deadB, delivered, deadEvent] = [a.id, b.id, c.id, evA.id];
    await h.service.close(); // the file is released; the fakes stay up for the CLI's configuration
  });
  afterEach(async () => {
    await killCliChildren();
  });
  afterAll(async () => {
    await cleanupCli();
    await h?.stripe.stop();
    await h?.moesif.stop();
  });

  const admin = (...args: string[]) =>
    runCli('cli/admin.ts', args, testEnv(h.stripe, h.moesif, { DATABASE_URL: `sqlite:${databasePath}`, LOG_LEVEL: 'silent' }));

  it('counts, list dead, list delivered, show, retry <id>, retry of a delivered id, retry-all, redrive; the service then delivers once', async () => {
    const counts0 = await admin('counts');
    expect(counts0.code, counts0.stderr).toBe(0);
    expect(parseJson(counts0)).toEqual({ pending: 0, delivered: 1, failed: 0, dead: 2 });

    const dead = await admin('list', 'dead');
    expect(dead.code, dead.stderr).toBe(0);
    const deadList = parseJson<OutboxEntry[]>(dead);
    expect(deadList.map((e) => e.transactionId).sort()).toEqual([deadA, deadB].sort());
    for (const e of deadList) {
      expect(e).toMatchObject({ state: 'dead', attempts: 1, lastStatus: 400 });
      expect(e.lastError).toContain('400');
    }

    const listed = await admin('list', 'delivered', '--limit', '5');
    expect(parseJson<OutboxEntry[]>(listed).map((e) => e.transactionId)).toEqual([delivered]);

    const show = await admin('show', deadA);
    expect(show.code).toBe(0);
    expect(parseJson(show)).toMatchObject({ transactionId: deadA, state: 'dead' });
    const showMissing = await admin('show', 'pi_missing');
    expect(showMissing.code).toBe(1);

    const retry = await admin('retry', deadA);
    expect(retry.code, retry.stderr).toBe(0);
    expect(parseJson(retry)).toEqual({ requeued: deadA });

    const retryDelivered = await admin('retry', delivered);
    expect(retryDelivered.code).toBe(1);
    expect(parseJson(retryDelivered)).toEqual({ error: `no failed or dead delivery ${delivered}` });

    const all = await admin('retry-all');
    expect(all.code, all.stderr).toBe(0);
    expect(parseJson(all)).toEqual({ requeued: 1 }); // only deadB was still dead

    const counts1 = await admin('counts');
    expect(parseJson(counts1)).toEqual({ pending: 2, delivered: 1, failed: 0, dead: 0 });

    // The service (Moesif healthy now) delivers the two requeued credits, and not the delivered one again.
    const acceptedBefore = h.moesif.accepted.length;
    const service = await startHarness({ env: { DATABASE_URL: `sqlite:${databasePath}`, LOG_LEVEL: 'silent' } });
    try {
      await waitFor(() => service.moesif.ledger.has(deadA) && service.moesif.ledger.has(deadB), 5_000, 'the requeued credits');
      await waitFor(async () => (await service.service.store.outbox.countByState()).delivered === 3, 5_000, 'three delivered');
      await new Promise((r) => setTimeout(r, 150));
      expect(service.moesif.accepted.map((tx) => tx.transaction_id).sort()).toEqual([deadA, deadB].sort());
    } finally {
      await service.stop();
    }
    expect(h.moesif.accepted.length).toBe(acceptedBefore);

    // redrive <event id>: its credit is delivered now, so it is left alone; an unknown event exits 1.
    const redrive = await admin('redrive', deadEvent);
    expect(redrive.code, redrive.stderr).toBe(0);
    expect(parseJson(redrive)).toMatchObject({ found: 'store', queued: [], requeued: [], unchanged: [deadA] });
    const missing = await admin('redrive', 'evt_nowhere');
    expect(missing.code).toBe(1);
    expect(parseJson(missing)).toMatchObject({ found: 'nowhere' });
    // A bound, not a duration: about a dozen CLI processes, each compiling under tsx, which on a CI
    // machine running two suites at once took over two minutes.
  }, 300_000);

  it.each([[['bogus']], [[]], [['retry']], [['show']]])('%j exits 2 with the usage', async (args) => {
    const run = await admin(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('usage: npm run admin -- <command>');
    expect(run.stderr).toContain('retry-all [dead|failed]');
  }, 30_000);
});
