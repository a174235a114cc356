import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, type Harness } from '../support/harness.js';
import { creditAlice, RETURN_URL, servedBilling } from './billing-helpers.js';
import { chromiumUnavailableReason, launchChromium, screenshotDir } from './chromium.js';

/**
 * The billing page as a person uses it, in headless Chromium against the service and the
 * simulators: a link from the operator's backend, the balance with a payment arriving, the
 * balance once it has arrived, and links that no longer work. Screenshots of each step go to
 * test-output/billing-page/.
 */
const unavailable = chromiumUnavailableReason();
if (unavailable) process.stderr.write(`\n[skip] ${unavailable}\n`);

describe.skipIf(unavailable !== null)('billing page in a browser', () => {
  let h: Harness;
  let clock: { skew: number };
  let served: Awaited<ReturnType<typeof servedBilling>>;
  let base: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  const shots = screenshotDir('billing-page');
  const cspViolations: string[] = [];

  beforeAll(async () => {
    // No return origin for hosted checkout: the page has no "buy" section (billing-hosted-checkout.browser.test.ts has one).
    served = await servedBilling({ checkout: false });
    ({ h, clock, base } = served);
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  const newLink = async (body: Record<string, unknown> = {}): Promise<string> => {
    const res = await fetch(`${base}/billing-sessions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ customer_id: 'cus_alice', return_url: RETURN_URL, ...body }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { url: string }).url;
  };
  const newPage = async (): Promise<Page> => {
    const page = await browser.context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    });
    return page;
  };
  const text = (page: Page, id: string) => page.locator(`#${id}`).innerText();

  it('link → page with the balance and a payment arriving → the new balance once it has arrived', async () => {
    await creditAlice(h, 1000);
    const processing = await h.topUp({ customer_id: 'cus_alice', amount: 2500, currency: 'usd', payment_method: 'pm_processing' });
    expect(processing.body.status).toBe('processing');
    const link = await newLink({ locale: 'de-DE' });

    const page = await newPage();
    await page.goto(link);
    await page.waitForURL(`${base}/billing`);
    expect(page.url()).not.toContain(new URL(link).pathname);
    await page.screenshot({ path: join(shots, '1-opened.png'), fullPage: true });

    // The balance in the session's locale, and what is on its way.
    await expect.poll(() => text(page, 'available-balance'), { timeout: 15_000 }).toBe('10,00 credits');
    await expect.poll(() => page.locator('#arriving').isVisible()).toBe(true);
    expect(await text(page, 'arriving-total')).toBe('25,00 credits arriving');
    expect(await text(page, 'arriving-list')).toMatch(/^25,00\s\$: 25,00 credits, payment processing$/);
    expect(await text(page, 'balance-status')).toMatch(/arriving; this page updates by itself/);
    await page.screenshot({ path: join(shots, '2-arriving.png'), fullPage: true });

    // Without hosted checkout there is no "buy" section; the back link goes where the backend said.
    expect(await page.locator('#buy').isVisible()).toBe(false);
    expect(await page.locator('#auto-recharge').isVisible()).toBe(true);
    expect(await page.locator('#history').isVisible()).toBe(true);
    expect(await page.locator('#back').getAttribute('href')).toBe(RETURN_URL);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.id')).toBe('back');

    // The bank settles the payment: the page picks up the new balance by itself.
    const settled = await fetch(`${h.stripe.url}/_simulator/payment_intents/${processing.body.payment_intent_id as string}/succeed`, { method: 'POST' });
    expect(settled.status).toBe(200);
    await expect.poll(() => text(page, 'available-balance'), { timeout: 20_000 }).toBe('35,00 credits');
    await expect.poll(() => page.locator('#arriving').isVisible(), { timeout: 10_000 }).toBe(false);
    expect(await text(page, 'balance-status')).toBe('Your balance is up to date.');
    await page.screenshot({ path: join(shots, '3-arrived.png'), fullPage: true });

    // Fits a phone: nothing wider than the screen.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 90_000);

  it('a link clicked on another site still opens the page (the SameSite=Strict cookie goes with our own redirect)', async () => {
    const link = await newLink();
    const page = await newPage();
    // The operator's page: another site than the service (about:blank has an opaque origin).
    await page.setContent(`<a id="open-billing" href="${link}">Billing</a>`);
    await page.locator('#open-billing').click();
    await page.waitForURL(`${base}/billing`);
    expect(await page.locator('h1').innerText()).toBe('Acme credits');
    await expect.poll(() => page.locator('#balance-figures').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 60_000);

  it('a reused or expired link shows a clear error page that reveals nothing', async () => {
    const reused = await newLink();
    const first = await newPage();
    await first.goto(reused);
    await first.waitForURL(`${base}/billing`);
    await first.close();

    const page = await newPage();
    const again = await page.goto(reused);
    expect(again?.status()).toBe(410);
    expect(await page.locator('h1').innerText()).toBe('This link no longer works');
    const reusedText = await page.locator('main').innerText();
    expect(reusedText).toMatch(/expired or was already used/);
    expect(reusedText).not.toMatch(/cus_|sub_|alice/i);
    await page.screenshot({ path: join(shots, '4-reused-link.png'), fullPage: true });

    const expired = await newLink();
    clock.skew += 5 * 60_000 + 1;
    const late = await page.goto(expired);
    expect(late?.status()).toBe(410);
    expect(await page.locator('main').innerText()).toBe(reusedText);
    await page.screenshot({ path: join(shots, '5-expired-link.png'), fullPage: true });

    // No session came of either: the page itself says so.
    await page.context().clearCookies();
    const billing = await page.goto(`${base}/billing`);
    expect(billing?.status()).toBe(401);
    expect(await page.locator('h1').innerText()).toBe('Your billing session has ended');
    await page.screenshot({ path: join(shots, '6-no-session.png'), fullPage: true });
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 60_000);
});
