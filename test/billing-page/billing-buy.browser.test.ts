import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingAppWithCheckout, type BillingApp } from './billing-app.js';
import { chromiumUnavailableReason, launchChromium, screenshotDir } from './chromium.js';

/**
 * The "buy credits" section in a browser, with a stub checkout plugged in (the real one comes
 * with hosted checkout): packs as buttons, a custom amount typed in, and the return from
 * checkout. The stub's checkout URL is the page itself with ?checkout=success, as Stripe's
 * success_url would be.
 */
const unavailable = chromiumUnavailableReason();
if (unavailable) process.stderr.write(`\n[skip] ${unavailable}\n`);

describe.skipIf(unavailable !== null)('billing page: buying, in a browser', () => {
  let b: BillingApp;
  let server: Server;
  let base = '';
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  const shots = screenshotDir('billing-page');

  beforeAll(async () => {
    b = await billingAppWithCheckout({ BILLING_CUSTOM_AMOUNTS: 'true' }, () => `${base}/billing?checkout=success`);
    server = createServer(b.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
    await b?.close();
  });

  it('packs and a custom amount go to checkout; back on the page, the payment is shown as on its way', async () => {
    const { cookie } = await b.session();
    const [name, value] = cookie.split('=') as [string, string];
    await browser.context.addCookies([{ name, value, url: base, httpOnly: true, sameSite: 'Strict' }]);
    const page = await browser.context.newPage();
    await page.goto(`${base}/billing`);

    await expect.poll(() => page.locator('#packs button').count(), { timeout: 15_000 }).toBe(2);
    expect(await page.locator('#packs button').nth(1).innerText()).toBe('Bonus pack: 11,000.00 credits for $100.00');
    expect(await page.locator('#custom-amount').isVisible()).toBe(true);
    expect(await page.locator('label[for="custom-amount-value"]').innerText()).toBe('Amount');
    expect(await page.locator('#custom-amount-help').innerText()).toBe('From $0.50 to $999,999.99.');
    await page.screenshot({ path: join(shots, 'buy-1-packs.png'), fullPage: true });

    await page.locator('#packs button').nth(1).click();
    await page.waitForURL(`${base}/billing`);
    await expect.poll(() => page.locator('#buy-status').innerText()).toMatch(/your payment is on its way/);
    expect(b.started.at(-1)).toMatchObject({ pack: 'price_big', customerId: 'cus_alice' });
    await page.screenshot({ path: join(shots, 'buy-2-returned.png'), fullPage: true });

    // A custom amount is read exactly (string → minor units), and refused on the page when malformed.
    await page.locator('#custom-amount-value').fill('25.555');
    await page.locator('#custom-amount button').click();
    await expect.poll(() => page.locator('#custom-amount-help').innerText()).toMatch(/at most 2 decimals/);
    // Three decimals are fine in KWD; Stripe's rule (a multiple of 10) is the service's to enforce.
    await page.locator('#custom-amount-currency').selectOption('kwd');
    await page.locator('#custom-amount-value').fill('25.555');
    await page.locator('#custom-amount button').click();
    await expect.poll(() => page.locator('#buy-status').innerText()).toMatch(/could not be opened: Invalid request: amount: kwd amounts must end in 0/);
    await page.locator('#custom-amount-value').fill('25,55');
    await page.locator('#custom-amount button').click();
    await expect.poll(() => b.started.length).toBe(2);
    expect(b.started[1]).toMatchObject({ amount: 25_550, currency: 'kwd' });
    await page.close();
  }, 60_000);
});
