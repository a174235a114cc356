/**
 * `npm run check:stripe` creates customers and charges Stripe's test cards: it runs only with a
 * test-mode key. Why a key is refused, or null for a test-mode secret or restricted key.
 */
export function testModeKeyRefusal(key: string): string | null {
  if (/^(sk|rk)_live_/.test(key)) {
    return 'refusing a live-mode key: check:stripe creates customers and charges test cards. Use a test-mode key (sk_test_…) from the Dashboard in test mode.';
  }
  if (!/^(sk|rk)_test_/.test(key)) return 'STRIPE_SECRET_KEY is not a Stripe test-mode secret key (sk_test_… or rk_test_…).';
  return null;
}
