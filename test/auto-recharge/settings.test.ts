import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { badFields, bearer, expectApiError, signJwt } from '../top-ups/top-up-helpers.js';
import { apiKey, carolSetting, consent, getSetting, paymentIntentsOf, putSetting, seedBalance, startWorld, type ArWorld } from './auto-recharge-helpers.js';

describe('auto-recharge settings: PUT / GET / DELETE /auto-recharge', () => {
  let w: ArWorld;
  beforeEach(async () => {
    w = await startWorld();
    seedBalance(w, 'sub_carol', 50);
  });
  afterEach(() => w.stop());

  it('enabling stores who consented, when, to which terms, and a history row; GET shows it', async () => {
    const res = await putSetting(w, carolSetting());
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      customer_id: 'cus_carol',
      subscription_id: 'sub_carol',
      enabled: true,
      state: 'active',
      threshold: 10,
      mode: 'fixed',
      amount: 1000,
      currency: 'usd',
      monthly_cap: 10_000,
      max_per_day: 3,
      charged_this_month: 0,
      consent: { terms_version: '2026-03', accepted_at: new Date(w.clock.t).toISOString() },
      last_check: { decision: 'above_threshold' },
    });
    expect(res.body.consent.caller).toMatch(/^api_key:/);
    const stored = await w.services[0]!.store.autoRecharge.get('sub_carol');
    expect(stored).toMatchObject({ thresholdMicro: 10_000_000, amountMinor: 1000, consent: { termsVersion: '2026-03' } });
    const got = await getSetting(w, 'customer_id=cus_carol');
    expect(got.status).toBe(200);
    expect(got.body.history).toEqual([
      expect.objectContaining({ caller: res.body.consent.caller, change: expect.objectContaining({ action: 'created', enabled: [null, true] }) }),
    ]);
  });

  it('every change is a history row saying what changed; DELETE removes the setting but keeps its history', async () => {
    await putSetting(w, carolSetting());
    w.clock.advance(1000);
    await putSetting(w, carolSetting({ threshold: 12.5, mode: 'target', amount: undefined, target_balance: 40 }));
    const history = await w.services[0]!.store.autoRecharge.history('sub_carol', 10);
    expect(history[0]!.change).toMatchObject({ thresholdMicro: [10_000_000, 12_500_000], mode: ['fixed', 'target'], amountMinor: [1000, null], targetMicro: [null, 40_000_000] });
    const del = await w.http.delete('/auto-recharge?customer_id=cus_carol').set('Authorization', apiKey);
    expect(del.status).toBe(204);
    expectApiError(await getSetting(w, 'customer_id=cus_carol'), 404, 'not_found');
    expect(await w.services[0]!.store.autoRecharge.history('sub_carol', 10)).toHaveLength(3);
  });

  it('an explicit payment_method must be one of the customer\'s saved cards (asked of Stripe): else 422 naming the field, nothing stored', async () => {
    const davesCard = w.stripe.addCard('cus_dave', 'fp_dave_own', false);
    for (const paymentMethod of [davesCard, 'pm_1NoSuchCard0000']) {
      const res = await putSetting(w, carolSetting({ payment_method: paymentMethod }));
      expectApiError(res, 422, 'no_payment_method', ['fields']);
      expect(badFields(res)).toEqual(['payment_method']);
    }
    expect(await w.services[0]!.store.autoRecharge.get('sub_carol')).toBeNull();
    expect(await w.services[0]!.store.autoRecharge.history('sub_carol', 5)).toEqual([]);
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(0);
    const carolsCard = w.stripe.addCard('cus_carol', 'fp_carol_own', false);
    const ok = await putSetting(w, carolSetting({ payment_method: carolsCard }));
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.payment_method).toBe(carolsCard);
  });

  it('refuses to enable without consent, and stores nothing', async () => {
    const res = await putSetting(w, carolSetting({ consent: undefined }));
    expectApiError(res, 400, 'validation_failed', ['fields']);
    expect(badFields(res)).toEqual(['consent']);
    expect(await w.services[0]!.store.autoRecharge.get('sub_carol')).toBeNull();
    const notAccepted = await putSetting(w, carolSetting({ consent: { accepted: false, terms_version: 'v1' } }));
    expect(badFields(notAccepted)).toEqual(['consent.accepted']);
    // Disabled needs no consent.
    expect((await putSetting(w, carolSetting({ enabled: false, consent: undefined }))).body).toMatchObject({ state: 'disabled', consent: null });
  });

  it.each([
    ['a negative threshold', { threshold: -1 }, ['threshold']],
    ['a threshold with 7 decimals', { threshold: 1.0000001 }, ['threshold']],
    ['an amount below the /top-up minimum', { amount: 10 }, ['amount']],
    ['an amount above the /top-up maximum', { amount: 100_000_000 }, ['amount', 'monthly_cap']],
    ['fixed mode without amount', { amount: undefined }, ['amount']],
    ['a target not above the threshold', { mode: 'target', amount: undefined, target_balance: 10 }, ['target_balance']],
    ['a cap below one recharge', { monthly_cap: 999 }, ['monthly_cap']],
    ['no cap', { monthly_cap: undefined }, ['monthly_cap']],
    ['a currency not accepted', { currency: 'gbp' }, ['currency']],
    ['max_per_day 0', { max_per_day: 0 }, ['max_per_day']],
    ['a malformed pack id', { pack: 'prc_123', amount: undefined }, ['pack']],
    ['an amount beside a pack', { pack: 'price_123' }, ['amount']],
    ['a malformed payment method', { payment_method: 'card-123' }, ['payment_method']],
  ])('names the field: %s', async (_what, overrides, fields) => {
    const res = await putSetting(w, carolSetting(overrides));
    expectApiError(res, 400, 'validation_failed', ['fields']);
    expect(badFields(res).sort()).toEqual([...fields].sort());
    expect(await w.services[0]!.store.autoRecharge.get('sub_carol')).toBeNull();
  });

  it('a JWT caller manages only its own customer: another customer’s settings are neither read nor changed', async () => {
    await putSetting(w, { ...carolSetting(), customer_id: 'cus_dave', threshold: 1 });
    w.clock.t = Date.now(); // tokens are checked against the service's clock
    const carol = bearer(await signJwt({ customer: 'cus_carol' }));
    expectApiError(await putSetting(w, { ...carolSetting(), customer_id: 'cus_dave', threshold: 99 }, carol), 403, 'forbidden');
    expectApiError(await getSetting(w, 'customer_id=cus_dave', carol), 403, 'forbidden');
    expectApiError(await putSetting(w, { ...carolSetting(), customer_id: undefined, subscription_id: 'sub_dave' }, carol), 403, 'forbidden');
    expectApiError(await getSetting(w, 'subscription_id=sub_dave', carol), 403, 'forbidden');
    const del = await w.http.delete('/auto-recharge?customer_id=cus_dave').set('Authorization', carol);
    expectApiError(del, 403, 'forbidden');
    expect(await w.services[0]!.store.autoRecharge.get('sub_dave')).toMatchObject({ thresholdMicro: 1_000_000 });
    // Its own: allowed, and the consent names the token's subject.
    const own = await putSetting(w, { ...carolSetting(), customer_id: undefined }, carol);
    expect(own.status, own.text).toBe(200);
    expect(own.body.consent.caller).toBe('jwt:user_cus_carol');
  });

  it('without authentication nothing is read or stored', async () => {
    expectApiError(await w.http.put('/auto-recharge').send(carolSetting()), 401, 'unauthenticated');
    expectApiError(await w.http.get('/auto-recharge?customer_id=cus_carol'), 401, 'unauthenticated');
    expect(await w.services[0]!.store.autoRecharge.get('sub_carol')).toBeNull();
  });

  it('enabling with a balance already below the threshold charges at once', async () => {
    seedBalance(w, 'sub_dave', 2);
    const res = await putSetting(w, { ...carolSetting(), customer_id: 'cus_dave', consent });
    expect(res.body).toMatchObject({ state: 'active', charged_this_month: 1000, attempts: [expect.objectContaining({ outcome: 'succeeded', amount: 1000 })] });
    expect(paymentIntentsOf(w, 'cus_dave')).toHaveLength(1);
  });
});
