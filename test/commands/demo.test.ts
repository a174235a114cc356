import { afterAll, describe, expect, it } from 'vitest';
import { killNpmCommands, NpmCommand } from './npm-command.js';

/**
 * `npm run demo` as the README shows it (with free ports): it starts, walks through a top-up end
 * to end, stays up serving requests, and stops cleanly on Ctrl-C.
 */
describe('npm run demo', () => {
  afterAll(() => killNpmCommands());

  it('walks through a top-up and a pack bought through checkout, stays up, and stops on Ctrl-C', async () => {
    const demo = new NpmCommand('demo', [], { PORT: '0', DEMO_STRIPE_PORT: '0', DEMO_MOESIF_PORT: '0' });
    await demo.waitForOutput(/The service stays up/, 40_000);
    const out = demo.stdout;
    expect(out).toMatch(/1\. Your backend asks for a 10\.00 USD top-up[\s\S]*← 201[\s\S]*"status":"succeeded"/);
    expect(out).toMatch(/2\. [\s\S]*"amount":10,"type":"credit"/);
    expect(out).toMatch(/3\. [\s\S]*recorded: queued/);
    expect(out).toMatch(/Moesif has received 1 credit\(s\)/);
    expect(out).toMatch(/4\. [\s\S]*\(the same one\); PaymentIntents at Stripe: 1/);
    expect(out).toMatch(/5\. [\s\S]*"state":"delivered"/);
    expect(out).toMatch(/6\. A declined card[\s\S]*← 402[\s\S]*"code":"card_declined"/);
    expect(out).toMatch(/8\. Auto-recharge[\s\S]*← 200 state active[\s\S]*balance 10[\s\S]*balance \d\n[\s\S]*charged the saved card 10\.00 USD/);
    expect(out).toMatch(/credit landed; balance recovered to 1\d\.\d[\s\S]*state active, charged this month 1000[\s\S]*"outcome":"succeeded"/);
    expect(out).toMatch(/9\. A credit pack bought through the hosted Stripe Checkout page[\s\S]*← 201[\s\S]*Pay and Cancel buttons[\s\S]*← 303/);
    expect(out).toMatch(/one credit reached Moesif:\s*\{[^}]*"amount":11000,"type":"credit"/);
    expect(out).toMatch(/"payment_status":"paid"[^\n]*"state":"delivered"/);

    // It really stays up: the service it printed answers.
    const base = out.match(/service (http:\/\/127\.0\.0\.1:\d+)/)![1]!;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    // 7. The billing-page link it printed opens the demo customer's page, once.
    const link = out.match(/7\. [\s\S]*← 201\s+billing page: (http:\/\/127\.0\.0\.1:\d+\/billing\/session\/[A-Za-z0-9_-]{43})\n/)![1]!;
    const opened = await fetch(link);
    expect(opened.status).toBe(200);
    const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
    const page = await fetch(`${base}/billing`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Demo credits</title>');
    const balance = await fetch(`${base}/billing/api/balance`, { headers: { Cookie: cookie } });
    // 10 credits from the top-up (step 1), burned below 5 and recharged with 10 more (step 8),
    // then 11,000 from the pack bought through checkout (step 9).
    const figures = (await balance.json()) as { customer_id: string; available_balance: number };
    expect(figures.customer_id).toBe('cus_demo');
    expect(figures.available_balance).toBeGreaterThan(11_010);
    expect(figures.available_balance).toBeLessThan(11_015.01);
    expect((await fetch(link)).status).toBe(410);

    demo.signalGroup('SIGINT');
    const exit = await demo.exited;
    expect(exit.stdout).toMatch(/stopping…\s*$/);
    // npm re-raises the signal its script stopped on; the demo itself exited 0.
    expect(exit.code === 0 || exit.signal === 'SIGINT').toBe(true);
    expect(exit.stderr).not.toMatch(/demo failed|Error/);
    await expect(fetch(`${base}/readyz`)).rejects.toThrow();
  }, 60_000);
});
