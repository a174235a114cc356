import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testEnv, topUpPaymentIntent } from '../support/harness.js';
import { simulatedWorld } from './command-fixtures.js';
import { NpmCommand, runNpm } from './npm-command.js';

/**
 * The operator commands the README shows, run as `npm run …` (test/operations/ covers their
 * behaviour in depth, running the scripts directly): a webhook Stripe never delivered is found by
 * `npm run reconcile -- --since 1h` and is then pending in `npm run admin -- counts`.
 */
describe('npm run reconcile, npm run admin, npm run dev', () => {
  const world = simulatedWorld('t9-operator-commands-');

  it('reconcile queues the missed credit; admin counts it pending', async () => {
    const missed = topUpPaymentIntent();
    world.stripe.makeEvent('payment_intent.succeeded', missed);
    const env = testEnv(world.stripe, world.moesif, { DATABASE_URL: `sqlite:${join(world.dir, 'ops.db')}`, LOG_LEVEL: 'silent' });

    const reconcile = await runNpm('reconcile', ['--since', '1h'], env, 40_000);
    expect(reconcile.code, reconcile.stderr).toBe(0);
    expect(JSON.parse(reconcile.stdout)).toMatchObject({ found: 1, queued: 1, duplicate: 0 });
    expect(reconcile.stderr).toContain('1 missed event(s) queued');

    const counts = await runNpm('admin', ['counts'], env, 40_000);
    expect(counts.code, counts.stderr).toBe(0);
    expect(JSON.parse(counts.stdout)).toEqual({ pending: 1, delivered: 0, failed: 0, dead: 0 });
  }, 90_000);

  it('npm run dev serves the same database with reload, and delivers the pending credit; Ctrl-C stops it', async () => {
    const env = testEnv(world.stripe, world.moesif, { DATABASE_URL: `sqlite:${join(world.dir, 'ops.db')}`, LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1' });
    const dev = new NpmCommand('dev', [], env);
    const [, port] = await dev.waitForOutput(/"port":(\d+)[^\n]*"msg":"topup-sync listening"/, 40_000);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    await dev.waitForOutput(/"msg":"ledger entry delivered to Moesif"/, 20_000);
    expect(world.moesif.accepted).toHaveLength(1);
    dev.signalGroup('SIGINT');
    await dev.exited;
    await expect(fetch(`http://127.0.0.1:${port}/readyz`)).rejects.toThrow();
  }, 90_000);
});
