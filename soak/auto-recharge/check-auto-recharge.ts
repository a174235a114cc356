import { startOfUtcMonth } from '../../src/auto-recharge/calendar.js';
import type { FakeMoesif } from '../../src/simulators/fake-moesif.js';
import type { FakeStripe } from '../../src/simulators/stripe/fake-stripe.js';
import type { AutoRechargeSetting } from '../../src/store/auto-recharge-store.js';
import type { Store } from '../../src/store/store.js';

export interface AutoRechargeCheck {
  problems: string[];
  attempts: Record<string, number>;
  charges: number;
  paymentIntents: number;
  credits: number;
  subscriptionsCharged: number;
  suspended: number;
  outbox: Record<string, number>;
}

/**
 * The auto-recharge soak's invariants, from the store, the fake Stripe and the fake Moesif:
 * - one charge per crossing: every charge was decided on a balance (available + in flight) at or
 *   below the threshold, charges of a subscription are at least the cooldown apart, and every
 *   PaymentIntent belongs to exactly one attempt (its idempotency key), none without one;
 * - no monthly cap exceeded;
 * - every credit once: each succeeded PaymentIntent is exactly one Moesif credit of its amount,
 *   no credit without one, and nothing left undelivered.
 */
export async function checkAutoRecharge(input: {
  store: Store;
  stripe: FakeStripe;
  moesif: FakeMoesif;
  subscriptions: AutoRechargeSetting[];
  cooldownMs: number;
}): Promise<AutoRechargeCheck> {
  const { store, stripe, moesif } = input;
  const problems: string[] = [];
  const attemptsByOutcome: Record<string, number> = {};
  const attemptByPi = new Map<string, string>();
  let charges = 0;
  let charged = 0;
  let suspended = 0;
  for (const setting of input.subscriptions) {
    const sub = setting.subscriptionId;
    const attempts = (await store.autoRecharge.listAttempts(sub, 10_000)).reverse();
    if ((await store.autoRecharge.get(sub))?.pause) suspended += 1;
    const done = attempts.filter((a) => a.outcome === 'succeeded' || a.outcome === 'processing');
    if (done.length > 0) charged += 1;
    charges += done.length;
    const perMonth = new Map<number, number>();
    for (const a of attempts) {
      attemptsByOutcome[a.outcome] = (attemptsByOutcome[a.outcome] ?? 0) + 1;
      if (a.outcome === 'in_flight') problems.push(`${a.id} is still in flight`);
      if (a.paymentIntentId) {
        if (attemptByPi.has(a.paymentIntentId)) problems.push(`${a.paymentIntentId} belongs to two attempts`);
        attemptByPi.set(a.paymentIntentId, a.id);
      }
      if (a.balanceMicro > setting.thresholdMicro) problems.push(`${a.id} charged with ${a.balanceMicro / 1e6} credits, above the threshold`);
      if (['succeeded', 'processing', 'stripe_unavailable'].includes(a.outcome)) {
        const month = startOfUtcMonth(a.createdAt);
        perMonth.set(month, (perMonth.get(month) ?? 0) + a.amountMinor);
      }
    }
    for (let i = 1; i < attempts.length; i++) {
      if (attempts[i]!.createdAt - attempts[i - 1]!.createdAt < input.cooldownMs) problems.push(`${attempts[i]!.id} came within the cooldown of ${attempts[i - 1]!.id}`);
    }
    for (const [month, total] of perMonth) {
      if (total > setting.monthlyCapMinor) problems.push(`${sub} charged ${total} in ${new Date(month).toISOString().slice(0, 7)}, above its cap ${setting.monthlyCapMinor}`);
    }
  }
  const pis = [...stripe.paymentIntents.values()];
  for (const pi of pis) {
    if (!attemptByPi.has(pi.id) && pi.status !== 'requires_payment_method') problems.push(`${pi.id} (${pi.status}) has no attempt`);
  }
  const keys = stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents').map((r) => r.idempotencyKey);
  if (keys.some((k) => !k?.startsWith('auto-recharge-'))) problems.push('a PaymentIntent was created without an attempt id as its idempotency key');
  const credits = [...moesif.ledger.values()].filter((t) => !t.transaction_id.startsWith('seed_'));
  const succeeded = pis.filter((pi) => pi.status === 'succeeded');
  const creditIds = new Map(credits.map((t) => [t.transaction_id, t]));
  for (const pi of succeeded) {
    const credit = creditIds.get(pi.id);
    if (!credit) problems.push(`${pi.id} succeeded but Moesif has no credit`);
    else if (Math.round(credit.amount * 100) !== pi.amount) problems.push(`${pi.id}: credit ${credit.amount} for ${pi.amount} cents`);
  }
  if (credits.length !== succeeded.length) problems.push(`${credits.length} credits for ${succeeded.length} succeeded payments`);
  const outbox = await store.outbox.countByState();
  if (outbox.pending + outbox.failed + outbox.dead > 0) problems.push(`outbox not drained: ${JSON.stringify(outbox)}`);
  return {
    problems: problems.slice(0, 50),
    attempts: attemptsByOutcome,
    charges,
    paymentIntents: pis.length,
    credits: credits.length,
    subscriptionsCharged: charged,
    suspended,
    outbox,
  };
}
