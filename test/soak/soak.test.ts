import { afterAll, describe, expect, it } from 'vitest';
import type { SoakReport } from '../../soak/soak.js';
import { killNpmCommands, runNpm } from '../commands/npm-command.js';
import { postgresUnavailableReason, TEST_DATABASE_URL } from '../store/postgres-available.js';

/**
 * The short chaos soak, run as `npm run soak -- --top-ups 300 …` exactly as the README shows the
 * long one: a few hundred top-ups through the real service processes with duplicate and
 * out-of-order webhooks, random Moesif 500/429/timeouts and SIGKILLs mid-run; Moesif's ledger
 * must end exactly as computed from the plan.
 */
const TOP_UPS = 300;
const KILLS = 2;
const SEED = process.env.SOAK_SEED ? Number(process.env.SOAK_SEED) : 20_250_601;
const TIME_LIMIT_S = 150; // a deadline, not a duration: a quiet machine finishes in about a minute, a loaded CI one needs slack

const postgresUnavailable = await postgresUnavailableReason();

async function soak(store: 'sqlite' | 'postgres', extra: string[] = []): Promise<SoakReport> {
  const args = ['--top-ups', String(TOP_UPS), '--kills', String(KILLS), '--seed', String(SEED), '--time-limit', String(TIME_LIMIT_S), '--store', store, ...extra];
  const run = await runNpm('soak', args, { TEST_DATABASE_URL }, (TIME_LIMIT_S + 30) * 1000);
  process.stdout.write(`\n${run.stdout.split('\n').filter((l) => !l.startsWith('SOAK_JSON')).join('\n')}`);
  const line = run.stdout.split('\n').find((l) => l.startsWith('SOAK_JSON '));
  expect(line, `no SOAK_JSON line (exit ${run.code})\n${run.stderr.slice(-3_000)}`).toBeDefined();
  const summary = JSON.parse(line!.slice('SOAK_JSON '.length)) as { ok: boolean; runs: SoakReport[] };
  expect(summary.runs).toHaveLength(1);
  expect(run.code).toBe(summary.ok ? 0 : 1);
  return summary.runs[0]!;
}

function expectClean(report: SoakReport): void {
  expect(report.problems).toEqual([]);
  // The chaos really happened …
  expect(report.chaos.kills).toBeGreaterThanOrEqual(KILLS);
  expect(report.chaos.restarts).toBeGreaterThanOrEqual(KILLS);
  expect(report.chaos.moesifFailures.total).toBeGreaterThan(0);
  expect(report.plan.duplicateDeliveries).toBeGreaterThan(0);
  expect(report.plan.refundsSentBeforePayment).toBeGreaterThan(0);
  expect(report.plan.refundReversals).toBeGreaterThan(0);
  // Packs bought through checkout: two events (session and PaymentIntent) for one credit of N credits.
  expect(report.plan.checkoutPacks).toBeGreaterThan(0);
  expect(report.plan.invoices).toBeGreaterThan(0);
  expect(report.plan.invoiceRefunds).toBeGreaterThan(0);
  // … and the ledger is exact: every credit and debit once, to the cent, nothing left over.
  expect(report.webhooks).toMatchObject({ undelivered: 0, rejected: 0 });
  expect(report.outbox).toMatchObject({ drained: true, pending: 0, failed: 0, dead: 0, delivered: report.plan.expectedTransactions });
  expect(report.ledger).toMatchObject({ missing: 0, unexpected: 0, mismatched: 0, totalsMismatched: 0 });
  expect(report.ledger.actualTransactions).toBe(report.plan.expectedTransactions);
  expect(report.ledger.actualTotal).toBe(report.ledger.expectedTotal);
  expect(report.ok).toBe(true);
}

describe('npm run soak, short (real service processes)', () => {
  afterAll(() => killNpmCommands());

  it(
    `SQLite, one instance: ${TOP_UPS} top-ups, ${KILLS} SIGKILLs, Moesif failing at random: the ledger is exact`,
    async () => {
      const report = await soak('sqlite');
      expect(report).toMatchObject({ store: 'sqlite', instances: 1, seed: SEED });
      expectClean(report);
    },
    (TIME_LIMIT_S + 45) * 1000,
  );

  if (postgresUnavailable) {
    process.stderr.write(`\n[skip] ${postgresUnavailable} (soak)\n`);
    it.skip(`PostgreSQL, two instances: ${postgresUnavailable}`, () => {});
  } else {
    it(
      `PostgreSQL, two instances: ${TOP_UPS} top-ups, ${KILLS} SIGKILLs, Moesif failing at random: the ledger is exact`,
      async () => {
        const report = await soak('postgres', ['--instances', '2']);
        expect(report).toMatchObject({ store: 'postgres', instances: 2, seed: SEED });
        expectClean(report);
      },
      (TIME_LIMIT_S + 45) * 1000,
    );
  }
});
