import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY } from '../support/harness.js';
import { expectApiError } from '../top-ups/top-up-helpers.js';
import { carolSetting, HINT_TOKEN, paymentIntentsOf, putSetting, seedBalance, startWorld, type ArWorld } from './auto-recharge-helpers.js';

describe('POST /auto-recharge/hint (a Moesif cohort webhook)', () => {
  let w: ArWorld;
  beforeEach(async () => {
    w = await startWorld();
    seedBalance(w, 'sub_carol', 50);
    await putSetting(w, carolSetting());
  });
  afterEach(() => w.stop());

  const hint = (body: unknown, token = HINT_TOKEN) => w.http.post('/auto-recharge/hint').set('Authorization', `Bearer ${token}`).send(body as object);

  it('needs its own bearer token (not an API key), and validates the body', async () => {
    expectApiError(await w.http.post('/auto-recharge/hint').send({ company_ids: ['cus_carol'] }), 401, 'unauthenticated');
    expectApiError(await hint({ company_ids: ['cus_carol'] }, API_KEY), 401, 'unauthenticated');
    expectApiError(await hint({ company_ids: 'cus_carol' }), 400, 'validation_failed', ['fields']);
    expectApiError(await hint({ companies: ['cus_carol'] }), 400, 'validation_failed', ['fields']);
  });

  it('is never taken as a balance: a hint for a company whose balance is fine reads it and charges nothing', async () => {
    const res = await hint({ company_ids: ['cus_carol', 'cus_unknown'] });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ evaluated: 1 });
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(0);
    expect((await w.services[0]!.store.autoRecharge.get('sub_carol'))!.lastReason).toBe('above_threshold');
  });

  it('reads a low balance at once and charges once, however many hints arrive', async () => {
    seedBalance(w, 'sub_carol', -45);
    const answers = await Promise.all([hint({ company_ids: ['cus_carol'] }), hint({ subscription_ids: ['sub_carol'] }), hint({ company_ids: ['cus_carol'] })]);
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(1);
  });
});
