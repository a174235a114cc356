import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStripeCheck } from '../../src/check-stripe/stripe-check.js';
import { testModeKeyRefusal } from '../../src/check-stripe/test-mode-key.js';
import { FakeStripe } from '../../src/simulators/stripe/fake-stripe.js';
import { createStripeClient } from '../../src/stripe/stripe-client.js';
import { killNpmCommands, runNpm } from './npm-command.js';

/**
 * `npm run check:stripe` is meant for real Stripe test mode (network); here it runs in its CI
 * form, against the fake Stripe through STRIPE_API_BASE, so the command cannot silently break.
 */
const FLOWS = ['customer', 'attach card', 'off-session top-up', 'declined top-up', '3-D Secure top-up', 'on-session top-up', 'checkout session', 'events', 'clean up'];

describe('npm run check:stripe', () => {
  let fake: FakeStripe;
  beforeAll(async () => {
    fake = await new FakeStripe().start();
  });
  afterAll(async () => {
    await killNpmCommands();
    await fake.stop();
  });

  it('runs every flow against a Stripe at STRIPE_API_BASE, one PASS line with request ids each, and deletes what it made', async () => {
    const run = await runNpm('check:stripe', [], { STRIPE_SECRET_KEY: 'sk_test_ci_check', STRIPE_API_BASE: fake.url }, 40_000);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const lines = run.stdout.split('\n').filter((l) => /^(PASS|FAIL) /.test(l));
    expect(lines.map((l) => l.slice(6, 24).trim())).toEqual(FLOWS);
    for (const line of lines) {
      expect(line).toMatch(/^PASS /);
      expect(line).toMatch(/\[(req_\w+ ?)+\]$/);
    }
    expect(run.stdout).toContain(`check:stripe: ${FLOWS.length} passed, 0 failed`);

    // What it left behind: nothing open.
    const customers = [...fake.customers.values()];
    expect(customers).toHaveLength(1);
    expect(customers[0]!.deleted).toBe(true);
    expect([...fake.checkoutSessions.values()].map((s) => s.status)).toEqual(['expired']);
    expect([...fake.paymentIntents.values()].map((pi) => pi.status).sort()).toEqual(['canceled', 'canceled', 'canceled', 'succeeded']);
    // The off-session charge went through the service's own request shape.
    const offSession = fake.requests.find((r) => r.method === 'POST' && r.path === '/v1/payment_intents' && r.params.off_session === 'true');
    expect(offSession?.params.automatic_payment_methods).toEqual({ enabled: 'true', allow_redirects: 'never' });
  }, 60_000);

  it('refuses a live-mode key before any request (exit 2)', async () => {
    const before = fake.requests.length;
    const run = await runNpm('check:stripe', [], { STRIPE_SECRET_KEY: 'sk_live_never_used_here', STRIPE_API_BASE: fake.url }, 30_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/refusing a live-mode key/);
    expect(fake.requests.length).toBe(before);
  }, 40_000);

  it.each([
    ['sk_live_x', /live-mode/],
    ['rk_live_x', /live-mode/],
    ['pk_test_x', /not a Stripe test-mode secret key/],
    ['sk_test_x', null],
    ['rk_test_x', null],
  ])('key %s → %s', (key, refusal) => {
    const answer = testModeKeyRefusal(key);
    if (refusal === null) expect(answer).toBeNull();
    else expect(answer).toMatch(refusal);
  });

  it('a flow that fails is a FAIL line, the flows after it say why they were skipped, and clean-up still runs', async () => {
    const broken = await new FakeStripe().start();
    try {
      broken.failNext(500, 500, 500); // customer creation fails after the SDK's retries
      const lines: string[] = [];
      const stripe = createStripeClient({ secretKey: 'sk_test_x', apiBase: new URL(broken.url) });
      const results = await runStripeCheck(stripe, (l) => lines.push(l), { eventsWaitMs: 0 });
      expect(results.map((r) => [r.name, r.ok])).toEqual(FLOWS.map((f) => [f, f === 'clean up' || f === 'checkout session' ? expect.any(Boolean) : false]));
      expect(results[0]!.detail).toMatch(/unavailable/);
      expect(results[0]!.requestIds.length).toBeGreaterThan(0);
      expect(results[1]!.detail).toBe('skipped: no customer');
      expect(results.at(-1)).toMatchObject({ name: 'clean up', ok: true });
      expect(lines[0]).toMatch(/^FAIL  customer /);
    } finally {
      await broken.stop();
    }
  });

  it('prints the API version the service pins', async () => {
    const run = await runNpm('check:stripe', ['--simulator'], { STRIPE_SECRET_KEY: undefined }, 40_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`API version ${Stripe.API_VERSION}`);
    expect(run.stdout).toContain('the Stripe simulator');
  }, 60_000);
});
