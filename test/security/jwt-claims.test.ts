import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET, startHarness, type Harness } from '../support/harness.js';
import { bearer, expectApiError, nowSeconds, paymentIntentPosts, postTopUp } from '../top-ups/top-up-helpers.js';

/**
 * Issue 8, item 7: tokens without `exp` were accepted forever, and a future `iat` or a
 * non-string `sub` were accepted. Now `exp` and a string `sub` are required, and `exp`, `nbf`,
 * `iat` are checked with JWT_CLOCK_TOLERANCE_SECONDS of leeway (default 30).
 */
type Claims = Record<string, unknown>;

/** A token with exactly these claims (plus iss, aud and the customer claim unless overridden). */
function token(claims: Claims): Promise<string> {
  return new SignJWT({ iss: JWT_ISSUER, aud: JWT_AUDIENCE, stripe_customer_id: 'cus_alice', ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(JWT_SECRET));
}

const BODY = { amount: 1000, currency: 'usd' };
const fresh = (): Claims => ({ sub: 'user_1', iat: nowSeconds(), exp: nowSeconds() + 600 });
const without = (claim: string): Claims => Object.fromEntries(Object.entries(fresh()).filter(([k]) => k !== claim));

describe('issue 8 #7: JWT claims (default tolerance, 30 s)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'silent' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  const refused: [string, () => Claims, RegExp][] = [
    ['no exp (valid forever)', () => without('exp'), /no exp claim/],
    ['no sub', () => without('sub'), /no sub claim/],
    ['a numeric sub', () => ({ ...fresh(), sub: 42 }), /invalid|sub/],
    ['an object sub', () => ({ ...fresh(), sub: { id: 'u' } }), /invalid|sub/],
    ['an empty sub', () => ({ ...fresh(), sub: '' }), /usable sub/],
    ['a sub with a NUL', () => ({ ...fresh(), sub: 'user\u0000admin' }), /usable sub/],
    ['a sub of 300 characters', () => ({ ...fresh(), sub: 'u'.repeat(300) }), /usable sub/],
    ['iat 2 minutes in the future', () => ({ ...fresh(), iat: nowSeconds() + 120 }), /issued in the future/],
    ['iat a year in the future', () => ({ ...fresh(), iat: nowSeconds() + 365 * 86_400 }), /issued in the future/],
    ['nbf 2 minutes in the future', () => ({ ...fresh(), nbf: nowSeconds() + 120 }), /invalid/],
    ['exp 2 minutes ago', () => ({ ...fresh(), exp: nowSeconds() - 120 }), /expired/],
    ['a non-numeric exp', () => ({ ...fresh(), exp: 'never' }), /invalid/],
  ];

  test.each(refused)('%s → 401, nothing reaches Stripe', async (_what, claims, reason) => {
    const before = paymentIntentPosts(h).length;
    const res = await postTopUp(h, BODY, bearer(await token(claims())));
    expectApiError(res, 401, 'unauthenticated');
    expect(res.body.error.message).toMatch(reason);
    expect(paymentIntentPosts(h).length).toBe(before);
  });

  test.each([
    ['a fresh token', () => fresh()],
    ['a token without iat (iat is optional)', () => without('iat')],
    ['iat 10 s ahead (clock skew within the tolerance)', () => ({ ...fresh(), iat: nowSeconds() + 10 })],
    ['exp 10 s ago (within the tolerance)', () => ({ ...fresh(), exp: nowSeconds() - 10 })],
  ])('%s → accepted', async (_what, claims) => {
    const res = await postTopUp(h, BODY, bearer(await token(claims())));
    expect(res.status, res.text).toBe(201);
  });
});

describe('issue 8 #7: JWT_CLOCK_TOLERANCE_SECONDS=0', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'silent', JWT_CLOCK_TOLERANCE_SECONDS: '0' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('no leeway: exp 10 s ago and iat 10 s ahead are refused', async () => {
    expectApiError(await postTopUp(h, BODY, bearer(await token({ ...fresh(), exp: nowSeconds() - 10 }))), 401, 'unauthenticated');
    expectApiError(await postTopUp(h, BODY, bearer(await token({ ...fresh(), iat: nowSeconds() + 10 }))), 401, 'unauthenticated');
    expect((await postTopUp(h, BODY, bearer(await token(fresh())))).status).toBe(201);
  });
});
