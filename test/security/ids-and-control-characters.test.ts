import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { MoesifLedger } from '../../src/moesif/moesif-ledger.js';
import { closeServer } from '../../src/simulators/listen.js';
import { dropSchema, postgresUnavailableReason, uniqueSchema, urlWithSchema } from '../store/postgres-available.js';
import { ADMIN_KEY, ALICE, startHarness, topUpPaymentIntent, type Harness } from '../support/harness.js';
import { apiKeyAuth, badFields, bearer, expectApiError, expectNothingCredited, paymentIntentPosts, postTopUp, settle, signJwt } from '../top-ups/top-up-helpers.js';

/**
 * Issue 8, item 6: a subscription_id with a NUL was accepted, the card charged, and then every
 * PostgreSQL write failed (the webhook answered 500 on every Stripe retry); `subscription_id=..`
 * made the service GET /v1/search/~/ with the management key. Every Stripe-shaped id is now
 * checked against its pattern at the edge, control characters are refused in every string
 * field, and Moesif paths are built only from ids of Stripe's shape.
 */
const OK = { customer_id: 'cus_alice', amount: 1000, currency: 'usd' };
const pgUnavailable = await postgresUnavailableReason();
const stores: [string, () => string | undefined][] = [['SQLite', () => undefined]];
const schema = uniqueSchema('ids');
if (!pgUnavailable) stores.push(['PostgreSQL', () => urlWithSchema(schema)]);

describe.each(stores)('issue 8 #6 on %s: ids and control characters are refused before anything is charged', (_store, databaseUrl) => {
  let h: Harness;
  beforeAll(async () => {
    const url = databaseUrl();
    h = await startHarness({ env: { LOG_LEVEL: 'silent', ...(url ? { DATABASE_URL: url } : {}) }, customers: [ALICE] });
  });
  afterAll(async () => {
    await h.stop();
    if (databaseUrl()) await dropSchema(schema);
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['a NUL in subscription_id (the reported charge-then-500)', { ...OK, subscription_id: 'sub_alice\u0000' }, 'subscription_id'],
    ['subscription_id ".."', { ...OK, subscription_id: '..' }, 'subscription_id'],
    ['subscription_id "."', { ...OK, subscription_id: '.' }, 'subscription_id'],
    ['subscription_id "sub_../x"', { ...OK, subscription_id: 'sub_../x' }, 'subscription_id'],
    ['subscription_id "sub_%2e%2e"', { ...OK, subscription_id: 'sub_%2e%2e' }, 'subscription_id'],
    ['subscription_id without its prefix', { ...OK, subscription_id: 'alice' }, 'subscription_id'],
    ['subscription_id of 300 characters', { ...OK, subscription_id: `sub_${'a'.repeat(296)}` }, 'subscription_id'],
    ['a newline in customer_id', { ...OK, customer_id: 'cus_alice\n' }, 'customer_id'],
    ['a NUL in payment_method', { ...OK, payment_method: 'pm_card_visa\u0000' }, 'payment_method'],
    ['an escape character in currency', { ...OK, currency: 'usd\u001b' }, 'currency'],
    ['a DEL in flow', { ...OK, flow: 'off_session\u007f' }, 'flow'],
  ];

  test.each(bad)('%s → 400 naming the field; nothing reaches Stripe or the store', async (_what, body, field) => {
    const res = await postTopUp(h, body, apiKeyAuth);
    expectApiError(res, 400, 'validation_failed', ['fields']);
    expect(badFields(res)).toEqual([field]);
    expect(paymentIntentPosts(h)).toEqual([]);
    await settle(40);
    await expectNothingCredited(h);
  });

  it('a control character in an unknown key is refused too', async () => {
    const res = await postTopUp(h, { ...OK, 'x\u0000': 1 }, apiKeyAuth);
    expectApiError(res, 400, 'validation_failed', ['fields']);
    expect(paymentIntentPosts(h)).toEqual([]);
  });

  it('GET /balance?subscription_id=.. → 400; nothing asked of Stripe or Moesif', async () => {
    const stripeCalls = h.stripe.requests.length;
    for (const sub of ['..', '.', 'sub_x/../..', 'sub_\u0000']) {
      const res = await h.http.get('/balance').query({ customer_id: 'cus_alice', subscription_id: sub }).set('Authorization', apiKeyAuth);
      expectApiError(res, 400, 'validation_failed', ['fields']);
    }
    const token = await signJwt({ customer: 'cus_alice' });
    expectApiError(await h.http.get('/balance?subscription_id=..').set('Authorization', bearer(token)), 400, 'validation_failed', ['fields']);
    expect(h.stripe.requests.length).toBe(stripeCalls);
  });

  it('admin routes answer 404 (not 500) for ids that are not ids', async () => {
    for (const path of ['/admin/deliveries/pi_x%00', '/admin/deliveries/..%2F..', '/admin/deliveries/x']) {
      expect((await h.http.get(path).set('Authorization', `Bearer ${ADMIN_KEY}`)).status).toBe(404);
    }
    expect((await h.http.post('/admin/deliveries/pi_x%00/retry').set('Authorization', `Bearer ${ADMIN_KEY}`)).status).toBe(404);
    expect((await h.http.post('/admin/events/evt_x%00/redrive').set('Authorization', `Bearer ${ADMIN_KEY}`)).status).toBe(404);
  });

  it('a signed PaymentIntent whose top-up metadata carries a NUL is recorded as not a top-up (2xx), not a 500 on every retry', async () => {
    const pi = topUpPaymentIntent({ metadata: { topup_sync: 'v1', moesif_company_id: 'cus_alice\u0000', moesif_subscription_id: 'sub_alice' } });
    const event = h.stripe.makeEvent('payment_intent.succeeded', pi);
    const res = await h.postEvent(event);
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('ignored');
    expect(await h.service.store.events.get(event.id)).toMatchObject({ outcome: 'ignored' });
    const again = await h.postEvent(event);
    expect(again.body.outcome).toBe('duplicate');
    await settle(40);
    await expectNothingCredited(h);
  });
});

describe('issue 8 #6: the customer metadata that names the Moesif company', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { LOG_LEVEL: 'silent', MOESIF_COMPANY_ID_METADATA_KEY: 'moesif_company' },
      customers: [{ ...ALICE, metadata: { moesif_company: 'acme\u0000corp' } }],
    });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('a company id with a control character → 422 company_not_mapped, nothing charged', async () => {
    const res = await postTopUp(h, OK, apiKeyAuth);
    expectApiError(res, 422, 'company_not_mapped');
    expect(paymentIntentPosts(h)).toEqual([]);
  });
});

describe('issue 8 #6: Moesif paths are built from Stripe-shaped ids only', () => {
  let server: Server;
  const paths: string[] = [];
  let moesif: MoesifLedger;
  beforeAll(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    moesif = new MoesifLedger(
      { apiKey: 'k', apiUrl: url, timeoutMs: 1_000, transactionTypes: { credit: 'credit', debit: 'debit' }, balanceCacheTtlMs: 0 },
      2,
    );
  });
  afterAll(async () => {
    await closeServer(server);
  });

  it.each(['..', '.', '', 'sub_a/../../x', 'sub_%2e', 'sub_a\u0000', 'sub_a?x=1', 'sub_a#x'])('%j is refused before any request', async (id) => {
    await expect(moesif.getSubscriptionBalance(id)).rejects.toThrow(/malformed subscription id/);
    expect(paths).toEqual([]);
  });

  it('a Stripe subscription id is asked for as is', async () => {
    expect(await moesif.getSubscriptionBalance('sub_alice')).toBeNull();
    expect(paths).toEqual(['/v1/search/~/subscriptions/sub_alice']);
  });
});

describe('issue 8 #6: a JWT customer claim must be a customer id', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'silent' } });
  });
  afterAll(async () => {
    await h.stop();
  });
  it.each(['cus_alice\u0000', 'cus_../x', '..'])('claim %j → 401', async (customer) => {
    const res = await postTopUp(h, { amount: 1000, currency: 'usd' }, bearer(await signJwt({ customer })));
    expectApiError(res, 401, 'unauthenticated');
  });
});
