import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventFor, postCheckout } from '../checkout/checkout-helpers.js';
import { deliver } from '../ledger/ledger-helpers.js';
import { startHarness, type Harness } from '../support/harness.js';
import { apiKeyAuth, bearer, getTopUp, postTopUp, signJwt } from '../top-ups/top-up-helpers.js';
import { waitForState } from '../webhooks/webhook-helpers.js';

/**
 * Issue 8, "Also": GET /top-ups/:id showed browser callers the stored reason of a credit that
 * Moesif refused, which carries Moesif's raw response body. A JWT caller now gets a fixed
 * sentence; the operator's servers (API key) and the admin API keep the whole reason.
 */
describe('issue 8 (also): Moesif\'s raw error bodies are not shown to browser callers', () => {
  let h: Harness;
  let id = '';
  let sessionId = '';
  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'silent' } });
    h.moesif.respondWith(400);
    const token = await signJwt({ customer: 'cus_alice' });
    const res = await postTopUp(h, { amount: 1000, currency: 'usd' }, bearer(token));
    expect(res.status).toBe(201);
    id = res.body.payment_intent_id as string;
    await waitForState(h, id, 'dead');
    // The same through hosted checkout (GET /top-ups/cs_…), paid and refused by Moesif too.
    const started = await postCheckout(h, { amount: 1000, currency: 'usd' }, { authorization: bearer(token) });
    expect(started.status).toBe(201);
    h.moesif.respondWith(400);
    const session = h.stripe.payCheckoutSession(started.body.checkout_session_id as string);
    sessionId = session.id;
    await deliver(h, eventFor(h, session.id, 'checkout.session.completed'), 'queued');
    await waitForState(h, String(session.payment_intent), 'dead');
  });
  afterAll(async () => {
    await h.stop();
  });

  it('the browser user sees that the credit failed, not what Moesif answered', async () => {
    const res = await getTopUp(h, id, bearer(await signJwt({ customer: 'cus_alice' })));
    expect(res.status).toBe(200);
    expect(res.body.credit).toEqual({ state: 'failed', amount: 10, attempts: 1, reason: 'Moesif did not accept the credit; the operator has to replay it' });
    expect(res.text).not.toContain('scripted');
    expect(res.text).not.toContain('Moesif answered');
  });

  it('the operator\'s server (API key) sees Moesif\'s answer', async () => {
    const res = await getTopUp(h, id, apiKeyAuth);
    expect(res.body.credit.reason).toMatch(/^Moesif answered 400: .*scripted 400/);
  });

  it('a hosted checkout\'s status (GET /top-ups/cs_…) is shown the same way: the sentence to the browser, Moesif\'s answer to the API key', async () => {
    const browser = await getTopUp(h, sessionId, bearer(await signJwt({ customer: 'cus_alice' })));
    expect(browser.status).toBe(200);
    expect(browser.body.credit).toMatchObject({ state: 'failed', reason: 'Moesif did not accept the credit; the operator has to replay it' });
    expect(browser.text).not.toContain('scripted');
    expect(browser.text).not.toContain('Moesif answered');
    const server = await getTopUp(h, sessionId, apiKeyAuth);
    expect(server.body.credit.reason).toMatch(/^Moesif answered 400: .*scripted 400/);
  });
});
