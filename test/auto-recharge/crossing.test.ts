import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluate } from '../../src/auto-recharge/evaluate.js';
import { dropSchema, postgresUnavailableReason, uniqueSchema, urlWithSchema } from '../store/postgres-available.js';
import {
  carolSetting,
  creditsOf,
  HINT_TOKEN,
  getSetting,
  paymentIntentsOf,
  putSetting,
  seedBalance,
  startWorld,
  tickAll,
  waitForCredits,
  type ArWorld,
} from './auto-recharge-helpers.js';

const postgresUnavailable = await postgresUnavailableReason();

// A SQLite file belongs to one service process (store-file-lock.ts), so a second instance races only on PostgreSQL.
const stores: [string, () => { url: string; cleanup: () => Promise<void>; instances: 1 | 2 }][] = [
  [
    'SQLite, one instance: its ticks and hints racing',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'topup-sync-ar-'));
      return { url: `sqlite:${join(dir, 'ar.db')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }), instances: 1 };
    },
  ],
];
if (postgresUnavailable) process.stderr.write(`\n[skip] ${postgresUnavailable} (auto-recharge crossing)\n`);
else {
  stores.push([
    'PostgreSQL, two instances',
    () => {
      const schema = uniqueSchema('ar_crossing');
      return { url: urlWithSchema(schema), cleanup: () => dropSchema(schema), instances: 2 };
    },
  ]);
}

describe.each(stores)('auto-recharge threshold crossing (%s)', (_name, makeStore) => {
  let w: ArWorld;
  let cleanup: () => Promise<void>;
  afterEach(async () => {
    await w.stop();
    await cleanup();
  });

  async function start(): Promise<void> {
    const target = makeStore();
    cleanup = target.cleanup;
    w = await startWorld({ databaseUrl: target.url });
    if (target.instances === 2) await w.addInstance();
  }

  it('a balance burning down through the threshold is charged exactly once, with ticks, hints and (on PostgreSQL) a second instance all deciding at once', async () => {
    await start();
    seedBalance(w, 'sub_carol', 30);
    expect((await putSetting(w, carolSetting())).body.last_check.decision).toBe('above_threshold');
    w.moesif.burn('sub_carol', 1 / 60); // one credit a minute
    w.clock.advance(10 * 60_000);
    await tickAll(w);
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(0);

    w.clock.advance(15 * 60_000); // 30 - 25 = 5 credits left: below 10
    const [a, b = a] = w.services;
    const hint = () => w.http.post('/auto-recharge/hint').set('Authorization', `Bearer ${HINT_TOKEN}`).send({ company_ids: ['cus_carol'] });
    const decisions = await Promise.all([
      a!.autoRechargeTick(),
      b!.autoRechargeTick(),
      hint(),
      hint(),
      evaluate(a!.autoRecharge, 'sub_carol'),
      evaluate(b!.autoRecharge, 'sub_carol'),
    ]);
    expect(decisions.filter((d) => d === 'charged').length).toBeLessThanOrEqual(1);
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(1);
    const attempts = await a!.store.autoRecharge.listAttempts('sub_carol', 10);
    expect(attempts.map((x) => [x.sequence, x.outcome, x.amountMinor])).toEqual([[1, 'succeeded', 1000]]);

    // The credit lands once and the balance recovers; later ticks see it (in flight or delivered) and charge nothing more.
    await waitForCredits(w, 'sub_carol', 1);
    expect(creditsOf(w, 'sub_carol')).toEqual([expect.objectContaining({ amount: 10, type: 'credit', transaction_id: paymentIntentsOf(w, 'cus_carol')[0]!.id })]);
    expect(w.moesif.balanceOf('sub_carol')).toBe(15);
    for (let i = 0; i < 5; i++) {
      w.clock.advance(61_000);
      await tickAll(w);
      await w.http.post('/auto-recharge/hint').set('Authorization', `Bearer ${HINT_TOKEN}`).send({ company_ids: ['cus_carol'] });
    }
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(1);
    const accepted = w.moesif.accepted.map((t) => t.transaction_id);
    expect(new Set(accepted).size).toBe(accepted.length);
  });

  it('the next crossing (after the cooldown) is charged once more, and the month’s total shows in GET', async () => {
    await start();
    seedBalance(w, 'sub_carol', 12);
    await putSetting(w, carolSetting());
    w.moesif.burn('sub_carol', 1 / 60);
    for (let minute = 0; minute < 60; minute++) {
      w.clock.advance(60_000);
      await tickAll(w);
      // Each charge's credit reaches Moesif before the next minute's balance is read.
      await waitForCredits(w, 'sub_carol', paymentIntentsOf(w, 'cus_carol').length);
    }
    // 12 + 10 + 10 - 60 burned (never below zero): two more crossings after the first, each charged once.
    const pis = paymentIntentsOf(w, 'cus_carol');
    const attempts = await w.services[0]!.store.autoRecharge.listAttempts('sub_carol', 20);
    expect(attempts.map((x) => x.sequence)).toEqual(attempts.map((_, i) => attempts.length - i));
    expect(pis.length).toBe(attempts.length);
    expect(pis.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < attempts.length; i++) {
      expect(attempts[i - 1]!.createdAt - attempts[i]!.createdAt).toBeGreaterThanOrEqual(w.config.autoRecharge.cooldownMs);
    }
    const view = await getSetting(w, 'customer_id=cus_carol');
    expect(view.body.charged_this_month).toBe(1000 * pis.length);
  });
});
