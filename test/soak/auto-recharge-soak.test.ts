import { afterAll, describe, expect, it } from 'vitest';
import type { AutoRechargeSoakReport } from '../../soak/auto-recharge/auto-recharge-soak.js';
import { killNpmCommands, runNpm } from '../commands/npm-command.js';
import { postgresUnavailableReason, TEST_DATABASE_URL } from '../store/postgres-available.js';

/**
 * The short auto-recharge soak, run as `npm run soak -- --auto-recharge …` exactly as the README
 * shows the long one: subscriptions burning their balances through a virtual day, recharged by two
 * service processes on PostgreSQL (one SIGKILLed mid-tick and restarted) with random declines and
 * Moesif failures. No subscription may be charged twice for one crossing, no cap exceeded, and
 * every credit must arrive once.
 */
const SUBSCRIPTIONS = 6;
const SEED = 20_260_310;
const TIME_LIMIT_MS = 240_000;

const postgresUnavailable = await postgresUnavailableReason();

describe('npm run soak -- --auto-recharge, short (real service processes)', () => {
  afterAll(() => killNpmCommands());

  if (postgresUnavailable) {
    process.stderr.write(`\n[skip] ${postgresUnavailable} (auto-recharge soak)\n`);
    it.skip(`PostgreSQL, two instances: ${postgresUnavailable}`, () => {});
    return;
  }

  it(
    `PostgreSQL, two instances, one SIGKILLed: ${SUBSCRIPTIONS} subscriptions through a virtual day charge once per crossing`,
    async () => {
      const args = ['--auto-recharge', '--subscriptions', String(SUBSCRIPTIONS), '--days', '1', '--kills', '1', '--seed', String(SEED), '--store', 'postgres'];
      const run = await runNpm('soak', args, { TEST_DATABASE_URL }, TIME_LIMIT_MS);
      const line = run.stdout.split('\n').find((l) => l.startsWith('SOAK_JSON '));
      expect(line, `no SOAK_JSON line (exit ${run.code})\n${run.stderr.slice(-3_000)}`).toBeDefined();
      const report = (JSON.parse(line!.slice('SOAK_JSON '.length)) as { autoRecharge: AutoRechargeSoakReport }).autoRecharge;
      expect(report.problems).toEqual([]);
      expect(report).toMatchObject({ ok: true, store: 'postgres', instances: 2, seed: SEED });
      // The chaos really happened, and recharges really fired.
      expect(report.chaos.kills).toBeGreaterThanOrEqual(1);
      expect(report.chaos.restarts).toBeGreaterThanOrEqual(1);
      expect(report.chaos.moesifFailures).toBeGreaterThan(0);
      expect(report.charges).toBeGreaterThan(SUBSCRIPTIONS);
      expect(report.credits).toBe(report.charges);
      expect(report.outbox).toMatchObject({ pending: 0, failed: 0, dead: 0 });
      expect(run.code).toBe(0);
    },
    TIME_LIMIT_MS + 30_000,
  );
});
