import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signEvent } from '../../src/simulators/stripe/fake-stripe.js';
import { testEnv, topUpPaymentIntent, WEBHOOK_SECRET } from '../support/harness.js';
import { simulatedWorld } from './command-fixtures.js';
import { NpmCommand, runNpm } from './npm-command.js';

/**
 * `npm start` (tsc build, then node dist/main.js) and `npm run bench` (which runs that build as
 * its service), in one file because the bench reuses the build the start made (--no-build).
 */
describe('npm start, then npm run bench on its build', () => {
  const world = simulatedWorld('t9-start-');

  it('npm start builds, serves (a webhook is recorded), and shuts down cleanly on SIGTERM', async () => {
    const env = testEnv(world.stripe, world.moesif, { DATABASE_URL: `sqlite:${join(world.dir, 'start.db')}`, LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1' });
    const start = new NpmCommand('start', [], env);
    const [, port] = await start.waitForOutput(/"port":(\d+)[^\n]*"msg":"topup-sync listening"/, 150_000);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const { body, signature } = signEvent(world.stripe.makeEvent('payment_intent.succeeded', topUpPaymentIntent()), WEBHOOK_SECRET);
    const res = await fetch(`${base}/webhooks/stripe`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature }, body });
    expect(await res.json()).toEqual({ received: true, outcome: 'queued' });

    start.signalGroup('SIGTERM');
    const exit = await start.exited;
    expect(exit.stdout).toContain('"msg":"shut down cleanly"');
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
  }, 180_000);

  it('npm run bench (short: baseline, ingest, topup and their floors) prints its table and a BENCH_JSON whose credits are exact', async () => {
    const run = await runNpm(
      'bench',
      ['--no-build', '--phases', 'baseline,ingest,floor-ingest,topup,floor-topup', '--events', '500', '--warmup', '100', '--connections', '4', '--drain-timeout', '60', '--topup-rate', '40', '--topup-seconds', '1'],
      {},
      120_000,
    );
    expect(run.code, run.stderr.slice(-2_000)).toBe(0);
    expect(run.stdout).toMatch(/baseline\s+requests acknowledged \/ s/);
    expect(run.stdout).toMatch(/ingest\s+webhooks acknowledged \/ s/);
    const json = JSON.parse(run.stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '))!.slice('BENCH_JSON '.length)) as {
      phases: {
        baseline: { ackedPerSecond: number };
        ingest: { ackedPerSecond: number; correctness: Record<string, unknown> };
        topup: { statuses: Record<string, number>; stripeCallsPerTopUp: number; stripeCallsPerTopUpWholePhase: number; correctness: Record<string, unknown> };
        floorIngest: { correctness: Record<string, unknown> };
        floorTopup: { stripeCallsPerTopUpWholePhase: number; creditsOk: boolean };
      };
    };
    expect(json.phases.baseline.ackedPerSecond).toBeGreaterThan(0);
    expect(json.phases.ingest.correctness).toEqual({ expected: 600, delivered: 600, duplicates: 0, unexpected: 0, neverAcked: 0, ok: true });
    // 40 warm-up top-ups, then 40 measured ones, each a succeeded PaymentIntent credited once.
    expect(run.stdout).toMatch(/topup\s+own overhead p99/);
    expect(json.phases.topup.statuses).toEqual({ '201': 40 });
    expect(json.phases.topup.correctness).toEqual({ expected: 80, delivered: 80, duplicates: 0, failed: 0, ok: true });
    expect(json.phases.topup.stripeCallsPerTopUp).toBeGreaterThan(1);
    // The floors carry the same load through the same fakes: every credit arrives once, and the
    // top-up floor makes the service's Stripe calls (counted over each whole phase, once every
    // credit has arrived).
    expect(run.stdout).toMatch(/floor-ingest\s+ratio to bare Express/);
    expect(json.phases.floorIngest.correctness).toEqual({ expected: 600, delivered: 600, duplicates: 0, unexpected: 0, neverAcked: 0, ok: true });
    expect(json.phases.floorTopup.creditsOk).toBe(true);
    expect(json.phases.floorTopup.stripeCallsPerTopUpWholePhase).toBe(json.phases.topup.stripeCallsPerTopUpWholePhase);
  }, 150_000);

  it('npm run bench:moesif-http (short) prints the cost per request of each axios setup', async () => {
    const run = await runNpm('bench:moesif-http', ['--requests', '200', '--rounds', '1', '--concurrency', '8'], {}, 120_000);
    expect(run.code, run.stderr.slice(-2_000)).toBe(0);
    expect(run.stdout).toMatch(/MoesifLedger as shipped\s+\d+/);
    const json = JSON.parse(run.stdout.split('\n').find((l) => l.startsWith('MOESIF_HTTP_BENCH_JSON '))!.slice('MOESIF_HTTP_BENCH_JSON '.length)) as {
      rows: { name: string; cpuUsPerRequest: number; perSecond: number }[];
    };
    expect(json.rows.map((r) => r.name)).toContain('http adapter, keep-alive agent (before)');
    for (const row of json.rows) expect(row.perSecond).toBeGreaterThan(0);
  }, 150_000);
});
