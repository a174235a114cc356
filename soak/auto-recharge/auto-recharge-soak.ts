import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeMoesif } from '../../src/simulators/fake-moesif.js';
import { FakeStripe } from '../../src/simulators/stripe/fake-stripe.js';
import { MOESIF_KEY, simulatedEnv } from '../../src/simulators/simulated-env.js';
import { openStore } from '../../src/store/open-store.js';
import type { AutoRechargeSetting } from '../../src/store/auto-recharge-store.js';
import type { Store } from '../../src/store/store.js';
import { dropSchema, soakSchemaName, urlWithSchema } from '../postgres-target.js';
import { Rng } from '../rng.js';
import { checkAutoRecharge, type AutoRechargeCheck } from './check-auto-recharge.js';
import { TickInstance } from './tick-instance.js';

export interface AutoRechargeSoakOptions {
  store: 'sqlite' | 'postgres';
  subscriptions: number;
  days: number;
  seed: number;
  instances: number;
  kills: number;
  postgresUrl?: string;
  log?: (line: string) => void;
}

export interface AutoRechargeSoakReport extends AutoRechargeCheck {
  ok: boolean;
  store: string;
  instances: number;
  seed: number;
  subscriptions: number;
  days: number;
  durationMs: number;
  chaos: { kills: number; restarts: number; declinesScripted: number; cardChanges: number; moesifFailures: number };
}

/** The virtual clock starts on the 10th of a month at midnight UTC, so several days stay in one month. */
const START = Date.UTC(2026, 2, 10);
const STEP_MS = 5 * 60_000;
const THRESHOLD = 10;
const INTERVAL_MS = 15 * 60_000;
const COOLDOWN_MS = 10 * 60_000;

/**
 * `npm run soak -- --auto-recharge`: subscriptions burning their balances at random rates for
 * `days` of a virtual clock, recharged by real service processes (two on PostgreSQL, one of
 * them SIGKILLed mid-tick and restarted), with random soft and hard declines, card changes and
 * Moesif failures; then the invariants of check-auto-recharge.ts.
 */
export async function runAutoRechargeSoak(options: AutoRechargeSoakOptions): Promise<AutoRechargeSoakReport> {
  const started = Date.now();
  const say = options.log ?? (() => {});
  const rng = Rng.derive(options.seed, 'auto-recharge');
  const clock = { t: START };
  const stripe = await new FakeStripe().start();
  const moesif = await new FakeMoesif({ apiKey: MOESIF_KEY, now: () => clock.t }).start();
  const workDir = mkdtempSync(join(tmpdir(), 'topup-sync-ar-soak-'));
  const schema = options.store === 'postgres' ? soakSchemaName() : null;
  const databaseUrl = schema ? urlWithSchema(options.postgresUrl!, schema) : `sqlite:${join(workDir, 'soak.db')}`;
  const env: Record<string, string> = {};
  const simulated = simulatedEnv(stripe, moesif, {
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    AUTO_RECHARGE_INTERVAL_MS: String(INTERVAL_MS),
    AUTO_RECHARGE_COOLDOWN_MS: String(COOLDOWN_MS),
  });
  for (const [k, v] of Object.entries(simulated)) if (v !== undefined) env[k] = v;

  const chaos = { kills: 0, restarts: 0, declinesScripted: 0, cardChanges: 0, moesifFailures: 0 };
  const instances = Array.from({ length: options.instances }, (_, i) => new TickInstance(`instance-${i + 1}`, env, workDir, join(workDir, `instance-${i + 1}.log`)));
  let store: Store | null = null;
  try {
    store = await openStore(databaseUrl);
    const subs: { customer: string; sub: string; card: string; setting: AutoRechargeSetting }[] = [];
    for (let i = 0; i < options.subscriptions; i++) {
      const customer = `cus_soak${i}`;
      const sub = `sub_soak${i}`;
      stripe.addCustomer({ id: customer, paymentMethods: [], subscriptions: [{ id: sub, status: 'active' }] });
      const card = stripe.addCard(customer, `fp_soak_${i}_0`);
      const mode = rng.chance(0.5) ? 'fixed' : 'target';
      const setting: AutoRechargeSetting = {
        subscriptionId: sub,
        customerId: customer,
        companyId: customer,
        enabled: true,
        thresholdMicro: THRESHOLD * 1_000_000,
        mode,
        amountMinor: mode === 'fixed' ? rng.pick([500, 1000, 2000]) : null,
        targetMicro: mode === 'target' ? rng.pick([20, 30, 50]) * 1_000_000 : null,
        currency: 'usd',
        packPriceId: null,
        paymentMethodId: null,
        monthlyCapMinor: rng.pick([3000, 6000, 20_000]),
        maxPerDay: rng.int(2, 6),
        consent: { termsVersion: 'soak', acceptedAt: START, caller: 'soak' },
        pause: null,
        nextCheckAt: START + rng.int(0, INTERVAL_MS),
        lastCheckedAt: null,
        lastReason: null,
        createdAt: START,
        updatedAt: START,
      };
      await store.autoRecharge.put(setting, { subscriptionId: sub, at: START, caller: 'soak', change: { action: 'created' } });
      moesif.ledger.set(`seed_${sub}`, { company_id: customer, subscription_id: sub, amount: rng.int(12, 40), type: 'credit', transaction_id: `seed_${sub}` });
      moesif.burn(sub, rng.int(1, 12) / 3600); // 1 to 12 credits an hour
      subs.push({ customer, sub, card, setting });
    }
    for (const instance of instances) await instance.start(clock.t);
    say(`auto-recharge soak: ${options.subscriptions} subscriptions, ${options.days} day(s), ${instances.length} instance(s) on ${schema ? `PostgreSQL schema ${schema}` : 'SQLite'}`);

    const steps = Math.round((options.days * 24 * 3600_000) / STEP_MS);
    const killSteps = new Set(Array.from({ length: options.kills }, (_, k) => Math.floor(((k + 1) * steps) / (options.kills + 2))));
    const restartAt = new Map<number, TickInstance>();
    for (let step = 0; step < steps; step++) {
      clock.t += STEP_MS;
      // Chaos: the issuer declines a card for a while (mostly soft, sometimes for good), customers change cards, Moesif fails.
      if (rng.chance(0.05)) {
        const s = rng.pick(subs);
        const hard = rng.chance(0.2);
        stripe.setCardOutcome(s.card, { kind: 'declined', declineCode: hard ? 'lost_card' : 'insufficient_funds', message: 'Your card was declined.', declinedOnAttach: false });
        chaos.declinesScripted += 1;
      }
      if (rng.chance(0.03)) {
        const s = rng.pick(subs);
        s.card = stripe.addCard(s.customer, `fp_soak_${s.sub}_${step}`);
        chaos.cardChanges += 1;
      }
      if (rng.chance(0.1)) {
        moesif.respondWith(500);
        moesif.respondToReadsWith(500);
        chaos.moesifFailures += 2;
      }
      const ticks = instances.map((instance) => instance.tick(clock.t));
      if (killSteps.has(step) && instances[0]!.alive) {
        await new Promise((r) => setTimeout(r, rng.int(0, 20)));
        await instances[0]!.kill();
        chaos.kills += 1;
        restartAt.set(step + 6, instances[0]!);
      }
      await Promise.all(ticks);
      const restart = restartAt.get(step);
      if (restart) {
        await restart.start(clock.t);
        chaos.restarts += 1;
      }
      if (step % 96 === 0) say(`  day ${(step * STEP_MS) / 86_400_000} …`);
    }
    // Usage stops; a little more time lets retaken attempts and retries settle, then deliveries drain.
    for (const s of subs) moesif.burn(s.sub, 0);
    moesif.respondNormally();
    for (let i = 0; i < 12; i++) {
      clock.t += STEP_MS;
      await Promise.all(instances.map((instance) => instance.tick(clock.t)));
    }
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await store.outbox.countByState()).pending > 0) {
      clock.t += 1_000;
      await Promise.all(instances.map((instance) => instance.tick(clock.t)));
      await new Promise((r) => setTimeout(r, 50));
    }
    const check = await checkAutoRecharge({ store, stripe, moesif, subscriptions: subs.map((s) => s.setting), cooldownMs: COOLDOWN_MS });
    return {
      ...check,
      ok: check.problems.length === 0,
      store: options.store,
      instances: instances.length,
      seed: options.seed,
      subscriptions: options.subscriptions,
      days: options.days,
      durationMs: Date.now() - started,
      chaos,
    };
  } finally {
    for (const instance of instances) await instance.stop();
    await store?.close();
    await stripe.stop();
    await moesif.stop();
    if (schema) await dropSchema(options.postgresUrl!, schema).catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  }
}
