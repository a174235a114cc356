import dotenv from 'dotenv';
import Stripe from 'stripe';
import { testModeKeyRefusal } from '../check-stripe/test-mode-key.js';
import { runStripeCheck } from '../check-stripe/stripe-check.js';
import { ConfigError, loadStripeCheckConfig } from '../config/config.js';
import { FakeStripe } from '../simulators/stripe/fake-stripe.js';
import { createStripeClient } from '../stripe/stripe-client.js';

/**
 * `npm run check:stripe [-- --simulator]`: runs the service's Stripe flows against Stripe's test
 * mode with STRIPE_SECRET_KEY (a test-mode key; live keys are refused), or against the built-in
 * simulator. One line per flow; exit 0 when every flow passed, 1 when one failed, 2 on bad usage
 * or a refused key, 78 on bad configuration.
 */
const USAGE = `usage: npm run check:stripe [-- --simulator]
  Runs the service's Stripe flows in test mode and deletes what it created.
  STRIPE_SECRET_KEY   a test-mode key (sk_test_… or rk_test_…); live keys are refused
  STRIPE_API_BASE     (optional) a local Stripe mock instead of api.stripe.com
  --simulator         run against the built-in Stripe simulator (no key, no network)`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const unknown = args.filter((a) => a !== '--simulator');
if (unknown.length > 0) {
  process.stderr.write(`check:stripe: unknown argument ${unknown[0]}\n${USAGE}\n`);
  process.exit(2);
}

dotenv.config({ quiet: true });
let simulator: FakeStripe | null = null;
let config: ReturnType<typeof loadStripeCheckConfig>;
if (args.includes('--simulator')) {
  simulator = await new FakeStripe().start();
  config = { secretKey: 'sk_test_simulator', apiBase: new URL(simulator.url) };
} else {
  try {
    config = loadStripeCheckConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`check:stripe: ${err.message}\n${USAGE}\n`);
    process.exit(78);
  }
  const refusal = testModeKeyRefusal(config.secretKey);
  if (refusal) {
    process.stderr.write(`check:stripe: ${refusal}\n`);
    process.exit(2);
  }
}

const target = simulator ? `the Stripe simulator at ${simulator.url}` : (config.apiBase?.origin ?? 'https://api.stripe.com (test mode)');
process.stdout.write(`check:stripe against ${target}, API version ${Stripe.API_VERSION}\n`);
const results = await runStripeCheck(createStripeClient(config), (line) => process.stdout.write(`${line}\n`));
const failed = results.filter((r) => !r.ok).length;
process.stdout.write(`check:stripe: ${results.length - failed} passed, ${failed} failed\n`);
await simulator?.stop();
process.exit(failed === 0 ? 0 : 1);
