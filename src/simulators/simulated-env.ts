import type { FakeMoesif } from './fake-moesif.js';
import type { FakeStripe } from './stripe/fake-stripe.js';

/**
 * The environment of a service wired to the simulators, shared by the tests, the soak and the
 * bench. It lives here, not under test/, because the soak and the bench are commands users run:
 * they must never load test code (which imports vitest and crashes outside a test run).
 */

export const WEBHOOK_SECRET = 'whsec_test_secret_for_topup_sync';
export const API_KEY = 'test-api-key-0123456789abcdef';
export const MOESIF_KEY = 'moesif-management-key-test';
export const ADMIN_KEY = 'admin-key-0123456789abcdef';
export const JWT_SECRET = 'jwt-test-secret-that-is-at-least-32-chars!';
export const JWT_ISSUER = 'https://id.example.test/';
export const JWT_AUDIENCE = 'topup-sync-test';

/** Environment for a service wired to the given fakes; `overrides` win. */
export function simulatedEnv(
  stripe: Pick<FakeStripe, 'url'>,
  moesif: Pick<FakeMoesif, 'apiUrl'>,
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    STRIPE_SECRET_KEY: 'sk_test_fake',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE: stripe.url,
    MOESIF_MANAGEMENT_API_KEY: MOESIF_KEY,
    MOESIF_API_URL: moesif.apiUrl,
    // Long enough that a loaded machine (CI runs two suites at once on 2 cores) does not time out a
    // loopback call Moesif then applies (a re-post it would de-duplicate, but tests count them);
    // tests about timeouts set their own, shorter one.
    MOESIF_TIMEOUT_MS: '3000',
    DATABASE_URL: 'sqlite::memory:',
    TOP_UP_API_KEYS: API_KEY,
    ADMIN_API_KEY: ADMIN_KEY,
    JWT_SECRET,
    JWT_ISSUER,
    JWT_AUDIENCE,
    TOP_UP_CURRENCIES: 'usd,eur,jpy,kwd,isk',
    // Where hosted checkouts may return: the example shop of the tests, and the demo's own page.
    CHECKOUT_RETURN_ORIGINS: 'https://shop.example.test,http://localhost:3000',
    LOG_LEVEL: 'silent',
    OUTBOX_POLL_INTERVAL_MS: '20',
    OUTBOX_RETRY_BASE_DELAY_MS: '10',
    OUTBOX_RETRY_MAX_DELAY_MS: '50',
    // Tests, the soak and the bench drive many requests per minute; the limits have tests of their own (test/security).
    RATE_LIMIT_TOP_UPS_PER_MINUTE: '100000',
    RATE_LIMIT_USER_REQUESTS_PER_MINUTE: '100000',
    RATE_LIMIT_API_KEY_REQUESTS_PER_MINUTE: '100000',
    ...overrides,
  };
}
