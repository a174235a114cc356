import { afterAll, describe, expect, it } from 'vitest';
import { formatReports } from '../../soak/report.js';
import { killAllInstances } from '../../soak/service-instance.js';
import { runSoak, type SoakReport } from '../../soak/soak.js';
import { postgresUnavailableReason, TEST_DATABASE_URL } from '../store/postgres-available.js';

/**
 * The short chaos soak (`npm run soak` is the long one): a few hundred top-ups through the real
 * service processes with duplicate and out-of-order webhooks, random Moesif 500/429/timeouts and
 * SIGKILLs mid-run; Moesif's ledger must end exactly as computed from the plan.
 */
const TOP_UPS = 300;
const KILLS = 2;
const SEED = process.env.SOAK_SEED ? Number(process.env.SOAK_SEED) : 20_250_601;
const TIME_LIMIT_MS = 40_000;

const postgresUnavailable = await postgresUnavailableReason();

function expectClean(report: SoakReport): void {
  process.stdout.write(`\n${formatReports([report])}`);
  expect(report.problems).toEqual([]);
  // The chaos really happened …
  expect(report.chaos.kills).toBeGreaterThanOrEqual(KILLS);
  expect(report.chaos.restarts).toBeGreaterThanOrEqual(KILLS);
  expect(report.chaos.moesifFailures.total).toBeGreaterThan(0);
  expect(report.plan.duplicateDeliveries).toBeGreaterThan(0);
  expect(report.plan.refundsSentBeforePayment).toBeGreaterThan(0);
  expect(report.plan.refundReversals).toBeGreaterThan(0);
  // … and the ledger is exact: every credit and debit once, to the cent, nothing left over.
  expect(report.webhooks).toMatchObject({ undelivered: 0, rejected: 0 });
  expect(report.outbox).toMatchObject({ drained: true, pending: 0, failed: 0, dead: 0, delivered: report.plan.expectedTransactions });
  expect(report.ledger).toMatchObject({ missing: 0, unexpected: 0, mismatched: 0, totalsMismatched: 0 });
  expect(report.ledger.actualTransactions).toBe(report.plan.expectedTransactions);
  expect(report.ledger.actualTotal).toBe(report.ledger.expectedTotal);
  expect(report.ok).toBe(true);
}

describe('chaos soak, short (real service processes)', () => {
  afterAll(() => {
    // runSoak stops its own children; this only matters if a test was interrupted mid-run.
    killAllInstances();
  });

  it(
    `SQLite, one instance: ${TOP_UPS} top-ups, ${KILLS} SIGKILLs, Moesif failing at random: the ledger is exact`,
    async () => {
      expectClean(await runSoak({ store: 'sqlite', topUps: TOP_UPS, kills: KILLS, seed: SEED, timeLimitMs: TIME_LIMIT_MS }));
    },
    TIME_LIMIT_MS + 15_000,
  );

  if (postgresUnavailable) {
    process.stderr.write(`\n[skip] ${postgresUnavailable} (soak)\n`);
    it.skip(`PostgreSQL, two instances: ${postgresUnavailable}`, () => {});
  } else {
    it(
      `PostgreSQL, two instances: ${TOP_UPS} top-ups, ${KILLS} SIGKILLs, Moesif failing at random: the ledger is exact`,
      async () => {
        expectClean(
          await runSoak({
            store: 'postgres',
            instances: 2,
            postgresUrl: TEST_DATABASE_URL,
            topUps: TOP_UPS,
            kills: KILLS,
            seed: SEED,
            timeLimitMs: TIME_LIMIT_MS,
          }),
        );
      },
      TIME_LIMIT_MS + 15_000,
    );
  }
});
