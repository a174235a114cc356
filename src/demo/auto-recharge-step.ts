import type { FakeMoesif } from '../simulators/fake-moesif.js';
import type { FakeStripe } from '../simulators/stripe/fake-stripe.js';

interface StepContext {
  base: string;
  apiKey: string;
  customer: string;
  subscription: string;
  stripe: FakeStripe;
  moesif: FakeMoesif;
  out: (line?: string) => void;
  json: (value: unknown) => void;
  waitUntil: (what: string, check: () => boolean | Promise<boolean>, timeoutMs?: number) => Promise<void>;
}

/**
 * The demo's auto-recharge walkthrough: the customer enables auto-recharge, the fake Moesif meters
 * usage that burns the balance down, the service notices the crossing, charges the saved card once,
 * the credit lands and the balance recovers.
 */
export async function autoRechargeStep(c: StepContext): Promise<void> {
  const headers = { Authorization: `Bearer ${c.apiKey}`, 'Content-Type': 'application/json' };
  const setting = {
    customer_id: c.customer,
    enabled: true,
    threshold: 5,
    mode: 'fixed',
    amount: 1000,
    currency: 'usd',
    monthly_cap: 5000,
    consent: { accepted: true, terms_version: 'demo-terms-1' },
  };
  c.out(`   PUT /auto-recharge ${JSON.stringify(setting)}`);
  const put = await fetch(`${c.base}/auto-recharge`, { method: 'PUT', headers, body: JSON.stringify(setting) });
  const saved = (await put.json()) as { state: string; last_check: unknown };
  c.out(`   ← ${put.status} state ${saved.state}, last check ${JSON.stringify(saved.last_check)}`);

  const charges = () => [...c.stripe.paymentIntents.values()].filter((pi) => pi.customer === c.customer).length;
  const before = charges();
  c.out('   Moesif meters API usage: 2 credits a second');
  c.moesif.burn(c.subscription, 2);
  let last = '';
  await c.waitUntil('an auto-recharge charge', () => {
    const line = `   balance ${Math.ceil(c.moesif.balanceOf(c.subscription))}`;
    if (line !== last) c.out((last = line));
    return charges() > before;
  }, 15_000);
  c.out('   ↳ at or below 5: the service charged the saved card 10.00 USD, off-session');
  await c.waitUntil('the recharge credit reaching Moesif', () => c.moesif.ledger.size >= 2, 5_000);
  c.moesif.burn(c.subscription, 0);
  c.out(`   credit landed; balance recovered to ${c.moesif.balanceOf(c.subscription).toFixed(1)} (usage stopped for the demo)`);
  const view = (await (await fetch(`${c.base}/auto-recharge?customer_id=${c.customer}`, { headers })).json()) as {
    state: string;
    charged_this_month: number;
    attempts: unknown[];
  };
  c.out(`   GET /auto-recharge → state ${view.state}, charged this month ${view.charged_this_month}, attempts:`);
  for (const a of view.attempts) c.json(a);
}
