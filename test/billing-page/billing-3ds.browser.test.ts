import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, waitFor, type Harness } from '../support/harness.js';
import { creditAlice, RETURN_URL, servedBilling } from './billing-helpers.js';
import { chromiumUnavailableReason, launchChromium, screenshotDir } from './chromium.js';

/**
 * An auto-recharge that needs 3-D Secure, completed from the billing page without Stripe.js: the
 * page's button has the service confirm the payment with a return_url, the browser goes to the
 * fake Stripe's authentication page (failed once, then completed) and comes back; the setting
 * resumes and the credit arrives. Then sign-out. Screenshots: test-output/billing-3ds/.
 */
const unavailable = chromiumUnavailableReason();
if (unavailable) process.stderr.write(`\n[skip] ${unavailable}\n`);

describe.skipIf(unavailable !== null)('billing page: completing a 3-D Secure recharge, and signing out, in a browser', () => {
  let h: Harness;
  let served: Awaited<ReturnType<typeof servedBilling>>;
  let base: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  const shots = screenshotDir('billing-3ds');
  const scripts: string[] = [];

  beforeAll(async () => {
    served = await servedBilling({ checkout: false });
    ({ h, base } = served);
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  const text = (page: Page, selector: string) => page.locator(selector).innerText();
  const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  it('requires_action → Complete payment → the bank\'s page (Fail, then Complete) → back: resumed, credited; then Sign out', async () => {
    await creditAlice(h, 1000);
    // Set up by the operator's backend with a card that always asks for 3-D Secure: below 15 credits at once, so charged at once.
    const put = await h.http
      .put('/auto-recharge')
      .set('Authorization', `Bearer ${API_KEY}`)
      .send({
        customer_id: 'cus_alice',
        enabled: true,
        threshold: 15,
        mode: 'fixed',
        amount: 1000,
        currency: 'usd',
        monthly_cap: 10_000,
        payment_method: 'pm_card_authenticationRequired',
        consent: { accepted: true, terms_version: 'operator-2026' },
      });
    expect(put.body.state).toBe('requires_action');
    const paymentIntentId = put.body.pause.payment_intent_id as string;

    const link = await fetch(`${base}/billing-sessions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ customer_id: 'cus_alice', return_url: RETURN_URL, locale: 'en-US' }),
    });
    const page = await browser.context.newPage();
    // No script from anywhere but the service: no Stripe.js, no third party.
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(r.url());
    });
    await page.goto(((await link.json()) as { url: string }).url);
    await page.waitForURL(`${base}/billing`);
    await expect.poll(() => page.locator('#ar-complete-payment').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await text(page, '#ar-state-text')).toBe('Auto-recharge is paused: your bank asks you to confirm the last recharge (3-D Secure).');
    expect(await text(page, '#ar-state-fix')).toMatch(/Complete payment/);
    await shot(page, '1-requires-action');

    // The bank's page; authentication fails: back on the page, still waiting, nothing charged.
    await page.locator('#ar-complete-payment').click();
    await page.waitForURL(`${h.stripe.url}/3ds/authenticate/${paymentIntentId}`);
    await shot(page, '2-bank-page');
    await page.locator('button', { hasText: 'Fail authentication' }).click();
    await page.waitForURL(`${base}/billing`);
    await expect.poll(() => text(page, '#ar-payment-status')).toMatch(/did not confirm the payment/);
    await expect.poll(() => page.locator('#ar-complete-payment').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(h.stripe.paymentIntents.get(paymentIntentId)?.status).toBe('requires_payment_method');
    expect(h.moesif.ledger.has(paymentIntentId)).toBe(false);
    await shot(page, '3-authentication-failed');

    // Again, and completed: back on the page, the setting resumes and the credit arrives.
    await page.locator('#ar-complete-payment').click();
    await page.waitForURL(`${h.stripe.url}/3ds/authenticate/${paymentIntentId}`);
    await page.locator('button', { hasText: 'Complete authentication' }).click();
    await page.waitForURL(`${base}/billing`);
    await expect.poll(() => text(page, '#ar-payment-status'), { timeout: 20_000 }).toBe('Your payment is confirmed and auto-recharge is on again.');
    await expect.poll(() => text(page, '#ar-state-text'), { timeout: 15_000 }).toMatch(/^Auto-recharge is on/);
    expect(await page.locator('#ar-complete-payment').isVisible()).toBe(false);
    await waitFor(() => h.moesif.ledger.has(paymentIntentId), 10_000, 'the recharge credited');
    expect((await h.service.store.autoRecharge.get('sub_alice'))?.pause).toBeNull();
    await expect.poll(() => text(page, '#history-list li >> nth=0'), { timeout: 20_000 }).toMatch(/^Auto-recharge \(credit\)\s+\+10\.00 credits/);
    await shot(page, '4-resumed');
    expect(scripts.every((u) => u.startsWith(`${base}/billing/assets/`) || u.startsWith(h.stripe.url))).toBe(true);
    expect(scripts.filter((u) => u.startsWith(base))).not.toHaveLength(0);

    // Sign out: the page says so, the cookie is gone, the stored session too.
    await page.locator('#sign-out').click();
    await expect.poll(() => text(page, 'h1')).toBe('You have signed out of billing');
    expect(await page.locator('main a').getAttribute('href')).toBe(RETURN_URL);
    expect((await browser.context.cookies(base)).filter((c) => c.name === 'topup_billing')).toEqual([]);
    await shot(page, '5-signed-out');
    const after = await page.goto(`${base}/billing`);
    expect(after?.status()).toBe(401);
    await page.close();
  }, 120_000);
});
