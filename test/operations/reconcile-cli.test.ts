import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';
import { buildService } from '../../src/service.js';
import { FakeMoesif } from '../../src/simulators/fake-moesif.js';
import { FakeStripe } from '../../src/simulators/stripe/fake-stripe.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ALICE, MOESIF_KEY, testEnv, topUpPaymentIntent, waitFor } from '../support/harness.js';
import { cleanupCli, killCliChildren, parseJson, runCli, tempDir } from './run-cli.js';

interface ReconcileOutput {
  since: string;
  found: number;
  queued: number;
  duplicate: number;
  ignored: number;
}

/** `npm run reconcile -- …` as a real child process on a SQLite file. */
describe('npm run reconcile (CLI, child process)', () => {
  let stripe: FakeStripe;
  let moesif: FakeMoesif;

  beforeAll(async () => {
    stripe = await new FakeStripe().start();
    stripe.addCustomer(structuredClone(ALICE));
    moesif = await new FakeMoesif({ apiKey: MOESIF_KEY }).start();
  });
  afterEach(async () => {
    await killCliChildren(); // SIGKILL any CLI child still running, whatever happened
  });
  afterAll(async () => {
    await cleanupCli();
    await stripe?.stop();
    await moesif?.stop();
  });

  const env = (databasePath: string) => testEnv(stripe, moesif, { DATABASE_URL: `sqlite:${databasePath}`, LOG_LEVEL: 'silent' });

  it('--since 48h prints found/queued as JSON, exits 0, and queues what the webhooks missed (once)', async () => {
    const databasePath = join(tempDir(), 'reconcile.db');
    const pis = [topUpPaymentIntent(), topUpPaymentIntent({ amount: 2500, amount_received: 2500 })];
    for (const pi of pis) stripe.makeEvent('payment_intent.succeeded', pi);
    stripe.makeEvent('customer.created', { id: 'cus_other', object: 'customer' }); // not a handled type
    const startedAt = Date.now();

    const run = await runCli('cli/reconcile.ts', ['--since', '48h'], env(databasePath));
    expect(run.code, run.stderr).toBe(0);
    const out = parseJson<ReconcileOutput>(run);
    expect(out).toMatchObject({ found: 2, queued: 2, duplicate: 0, ignored: 0 });
    const since = Date.parse(out.since);
    expect(Math.abs(since - (startedAt - 48 * 3600_000))).toBeLessThan(60_000);
    expect(run.stderr).toContain('2 missed event(s) queued');

    const store = new SqliteStore(databasePath);
    try {
      expect(await store.outbox.countByState()).toEqual({ pending: 2, delivered: 0, failed: 0, dead: 0 });
      for (const pi of pis) expect(await store.outbox.get(pi.id)).toMatchObject({ state: 'pending', kind: 'credit' });
    } finally {
      await store.close();
    }

    // Running it again finds the same events, now duplicates.
    const again = await runCli('cli/reconcile.ts', ['--since', '48h'], env(databasePath));
    expect(again.code, again.stderr).toBe(0);
    expect(parseJson<ReconcileOutput>(again)).toMatchObject({ found: 2, queued: 0, duplicate: 2 });
    expect(again.stderr).not.toContain('queued;');

    // The running service delivers what the CLI queued, exactly once.
    const service = await buildService(loadConfig(env(databasePath)), createLogger('silent'));
    try {
      service.worker.start();
      await waitFor(() => pis.every((pi) => moesif.ledger.has(pi.id)), 5_000, 'both credits at Moesif');
      expect(moesif.ledger.get(pis[1]!.id)?.amount).toBe(25);
      expect(moesif.accepted.filter((tx) => pis.some((pi) => pi.id === tx.transaction_id))).toHaveLength(2);
    } finally {
      await service.close();
    }
  }, 60_000);

  it('--since with an ISO date older than 30 days is clamped to Stripe retention', async () => {
    const databasePath = join(tempDir(), 'reconcile-iso.db');
    const pi = topUpPaymentIntent();
    stripe.makeEvent('payment_intent.succeeded', pi, Math.floor(Date.now() / 1000) - 20 * 86_400);
    const run = await runCli('cli/reconcile.ts', ['--since', '2020-01-01T00:00:00Z'], env(databasePath));
    expect(run.code, run.stderr).toBe(0);
    const out = parseJson<ReconcileOutput>(run);
    expect(Math.abs(Date.parse(out.since) - (Date.now() - 30 * 86_400_000))).toBeLessThan(120_000);
    expect(out.found).toBeGreaterThanOrEqual(1);
    const store = new SqliteStore(databasePath);
    try {
      expect(await store.outbox.get(pi.id)).toMatchObject({ state: 'pending' }); // 20 days old: inside the window
    } finally {
      await store.close();
    }
  }, 30_000);

  it.each([['yesterday'], ['48x'], ['']])('a bad --since (%j) exits 2 with the usage and touches no store', async (value) => {
    const databasePath = join(tempDir(), 'never-created.db');
    const run = await runCli('cli/reconcile.ts', ['--since', value], env(databasePath));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('usage: npm run reconcile -- [--since');
    expect(run.stdout).toBe('');
    expect(existsSync(databasePath)).toBe(false);
  }, 30_000);

  it('--since without a value exits 2', async () => {
    const run = await runCli('cli/reconcile.ts', ['--since'], env(join(tempDir(), 'x.db')));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('usage: npm run reconcile');
  }, 30_000);
});
