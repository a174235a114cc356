import type { Server } from 'node:http';
import { loadConfig } from '../config/config.js';
import { createHttpServer, listen } from '../http/http-server.js';
import { createLogger } from '../logging/logger.js';
import { buildService } from '../service.js';
import { FakeMoesif } from '../simulators/fake-moesif.js';
import { FakeStripe } from '../simulators/stripe/fake-stripe.js';
import { autoRechargeStep } from './auto-recharge-step.js';

/**
 * `npm run demo`: the real service against local simulators of Stripe and Moesif (no accounts,
 * no network). Drives one top-up end to end, prints each step, then stays up for curl.
 */

const DEMO = {
  apiKey: 'demo-api-key-change-me-0000',
  webhookSecret: 'whsec_demo_secret',
  moesifKey: 'demo-moesif-management-key',
  customer: 'cus_demo',
  subscription: 'sub_demo',
  /** Where the hosted checkout sends the customer back (the page is never fetched). */
  shop: 'https://shop.example.com',
  /** Where "your app" would be: the billing page's back link returns there. */
  appOrigin: 'http://localhost:5173',
};

const out = (line = '') => process.stdout.write(`${line}\n`);
const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const step = (n: number, text: string) => out(`\n${bold(`${n}. ${text}`)}`);
const json = (value: unknown) => out(`   ${JSON.stringify(value)}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for a step of the walkthrough; the demo fails (exit 1) rather than print a step that did not happen. */
async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

async function main(): Promise<void> {
  const stripe = await new FakeStripe().start(Number(process.env.DEMO_STRIPE_PORT ?? 12111));
  const moesif = await new FakeMoesif({ apiKey: DEMO.moesifKey }).start(Number(process.env.DEMO_MOESIF_PORT ?? 12112));
  stripe.addCustomer({
    id: DEMO.customer,
    defaultPaymentMethod: 'pm_card_visa',
    paymentMethods: ['pm_card_visa', 'pm_card_chargeDeclined', 'pm_card_authenticationRequired'],
    subscriptions: [{ id: DEMO.subscription, status: 'active' }],
  });

  const port = Number(process.env.PORT ?? 3000);
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    STRIPE_SECRET_KEY: 'sk_test_demo',
    STRIPE_WEBHOOK_SECRET: DEMO.webhookSecret,
    STRIPE_API_BASE: stripe.url,
    MOESIF_MANAGEMENT_API_KEY: DEMO.moesifKey,
    MOESIF_API_URL: moesif.apiUrl,
    DATABASE_URL: process.env.DEMO_DATABASE_URL ?? 'sqlite::memory:',
    TOP_UP_API_KEYS: DEMO.apiKey,
    TOP_UP_CURRENCIES: 'usd,eur,jpy,kwd',
    CHECKOUT_RETURN_ORIGINS: DEMO.shop,
    BILLING_RETURN_ORIGINS: DEMO.appOrigin,
    BILLING_PAGE_TITLE: 'Demo credits',
    // The billing page's address, so its "buy" section may return there from hosted checkout (PORT=0: not known yet).
    ...(port !== 0 ? { BILLING_PUBLIC_URL: `http://127.0.0.1:${port}` } : {}),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    // The demo watches a balance fall within seconds: look every second, wait 5 s between attempts.
    AUTO_RECHARGE_INTERVAL_MS: '1000',
    AUTO_RECHARGE_COOLDOWN_MS: '5000',
    RECONCILE_INTERVAL_MS: '0',
  });
  const service = await buildService(config, createLogger(config.logLevel));
  service.start();
  const server: Server = createHttpServer(service.app, config.http);
  await listen(server, config.port, config.host);
  // PORT=0 picks a free port: print the one actually taken.
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
  stripe.deliverWebhooksTo(`${base}/webhooks/stripe`, DEMO.webhookSecret);

  out('topup-sync demo: the real service, with simulated Stripe and Moesif on 127.0.0.1');
  out(`   service ${base}   fake Stripe ${stripe.url}   fake Moesif ${moesif.apiUrl}`);

  step(1, `Your backend asks for a 10.00 USD top-up of ${DEMO.customer} (saved card, off-session)`);
  const body = { customer_id: DEMO.customer, amount: 1000, currency: 'usd' };
  const headers = { Authorization: `Bearer ${DEMO.apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': 'demo-order-1' };
  out(`   POST /top-up ${JSON.stringify(body)}`);
  const created = await fetch(`${base}/top-up`, { method: 'POST', headers, body: JSON.stringify(body) });
  const topUp = (await created.json()) as { payment_intent_id: string; status: string };
  out(`   ← ${created.status}`);
  json(topUp);

  step(2, 'Stripe charged the card at once, so the credit was queued in the outbox and sent to Moesif');
  await waitUntil('the credit reaching Moesif', () => moesif.ledger.size > 0);
  for (const tx of moesif.accepted) json(tx);
  out('   (1000 minor units of usd became amount 10; transaction_id is the PaymentIntent id)');

  step(3, 'Stripe sends the signed payment_intent.succeeded webhook for the same PaymentIntent');
  const succeeded = () =>
    stripe.events.find((e) => e.type === 'payment_intent.succeeded' && (e.data.object as { id: string }).id === topUp.payment_intent_id);
  await waitUntil('the webhook being recorded', async () => {
    const sent = succeeded();
    return sent !== undefined && (await service.store.events.get(sent.id)) !== null;
  });
  const event = await service.store.events.get(succeeded()?.id ?? '');
  out(`   event ${event?.id} recorded: ${event?.outcome} (${event?.note})`);
  out(`   Moesif has received ${moesif.accepted.length} credit(s) for it: the webhook was recognised as the same credit`);

  step(4, 'The browser retries the same request (same Idempotency-Key): no second charge');
  const retried = await fetch(`${base}/top-up`, { method: 'POST', headers, body: JSON.stringify(body) });
  const again = (await retried.json()) as { payment_intent_id: string };
  out(`   ← ${retried.status} payment_intent_id ${again.payment_intent_id} (${again.payment_intent_id === topUp.payment_intent_id ? 'the same one' : 'DIFFERENT'}); PaymentIntents at Stripe: ${stripe.createdPaymentIntentCount}`);

  step(5, 'The frontend asks where the top-up stands');
  const status = await fetch(`${base}/top-ups/${topUp.payment_intent_id}`, { headers: { Authorization: headers.Authorization } });
  json(await status.json());

  step(6, 'A declined card gets a clear 402, and nothing is credited');
  const declined = await fetch(`${base}/top-up`, {
    method: 'POST',
    headers: { ...headers, 'Idempotency-Key': 'demo-order-2' },
    body: JSON.stringify({ ...body, payment_method: 'pm_card_chargeDeclined' }),
  });
  out(`   ← ${declined.status}`);
  json(await declined.json());

  step(7, `Your backend opens ${DEMO.customer}'s billing page (single use, valid 5 minutes): open it in your browser`);
  const billingRequest = { customer_id: DEMO.customer, return_url: `${DEMO.appOrigin}/account` };
  out(`   POST /billing-sessions ${JSON.stringify(billingRequest)}`);
  const billing = await fetch(`${base}/billing-sessions`, {
    method: 'POST',
    headers: { Authorization: headers.Authorization, 'Content-Type': 'application/json' },
    body: JSON.stringify(billingRequest),
  });
  const session = (await billing.json()) as { url: string };
  out(`   ← ${billing.status}`);
  out(`   billing page: ${session.url}`);
  step(8, `Auto-recharge: ${DEMO.customer} asks to be recharged with 10.00 USD whenever the balance falls to 5 credits`);
  await autoRechargeStep({ base, apiKey: DEMO.apiKey, customer: DEMO.customer, subscription: DEMO.subscription, stripe, moesif, out, json, waitUntil });

  await buyPackThroughCheckout(stripe, moesif, base, headers.Authorization);

  // Before the lines that say it is up: a signal right after them must find the handlers.
  let stopping = false;
  const stop = async () => {
    // Ctrl-C reaches every process of the group (npm, tsx, this one): act on the first signal only.
    if (stopping) return;
    stopping = true;
    out('\nstopping…');
    await new Promise<void>((r) => server.close(() => r()));
    await service.close();
    await stripe.stop();
    await moesif.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  out(`\n${bold('The service stays up. Try it (Ctrl-C to stop):')}`);
  out(`   curl -s -X POST ${base}/top-up -H 'Authorization: Bearer ${DEMO.apiKey}' -H 'Content-Type: application/json' \\`);
  out(`        -H 'Idempotency-Key: my-order-42' -d '{"customer_id":"${DEMO.customer}","amount":2500,"currency":"usd"}'`);
  out(`   curl -s ${base}/top-ups/<payment_intent_id> -H 'Authorization: Bearer ${DEMO.apiKey}'`);
  out('   # 3-D Secure: charge the card that needs authentication, then let the "browser" finish it');
  out(`   curl -s -X POST ${base}/top-up -H 'Authorization: Bearer ${DEMO.apiKey}' -H 'Content-Type: application/json' \\`);
  out(`        -d '{"customer_id":"${DEMO.customer}","amount":2500,"currency":"usd","payment_method":"pm_card_authenticationRequired"}'`);
  out(`   curl -s -X POST ${stripe.url}/_simulator/payment_intents/<payment_intent_id>/succeed`);
  out('   # a hosted checkout: open the printed url in a browser and press Pay');
  out(`   curl -s -X POST ${base}/top-up/checkout -H 'Authorization: Bearer ${DEMO.apiKey}' -H 'Content-Type: application/json' \\`);
  out(`        -d '{"customer_id":"${DEMO.customer}","amount":2500,"currency":"usd","success_url":"${DEMO.shop}/done","cancel_url":"${DEMO.shop}/"}'`);
  out(`   curl -s ${base}/packs -H 'Authorization: Bearer ${DEMO.apiKey}'`);
  out(`   curl -s '${base}/auto-recharge?customer_id=${DEMO.customer}' -H 'Authorization: Bearer ${DEMO.apiKey}'`);
  out(`   curl -s ${base}/readyz`);
  out('   # a fresh billing-page link (each opens the page once)');
  out(`   curl -s -X POST ${base}/billing-sessions -H 'Authorization: Bearer ${DEMO.apiKey}' -H 'Content-Type: application/json' \\`);
  out(`        -d '${JSON.stringify(billingRequest)}'`);
  out(`   # what the fake Moesif holds: balance of ${DEMO.subscription}`);
  out(`   curl -s ${moesif.apiUrl}/search/~/subscriptions/${DEMO.subscription} -H 'Authorization: Bearer ${DEMO.moesifKey}'`);

  if (process.env.DEMO_EXIT === '1') await stop();
}

/** Step 7: a credit pack (pay 100.00 USD, get 11,000 credits) bought on the hosted Checkout page. */
async function buyPackThroughCheckout(stripe: FakeStripe, moesif: FakeMoesif, base: string, authorization: string): Promise<void> {
  const pack = stripe.addPrice({ unitAmount: 10000, currency: 'usd', credits: '11000', name: 'Bonus pack: 11,000 credits' });
  step(9, 'A credit pack bought through the hosted Stripe Checkout page');
  out(`   the operator's Stripe Price ${pack} (100.00 USD) has metadata moesif_credits=11000; GET /packs lists it:`);
  json(await (await fetch(`${base}/packs`, { headers: { Authorization: authorization } })).json());
  const body = { customer_id: DEMO.customer, pack, success_url: `${DEMO.shop}/credits/done`, cancel_url: `${DEMO.shop}/credits` };
  out(`   POST /top-up/checkout ${JSON.stringify(body)}`);
  const res = await fetch(`${base}/top-up/checkout`, {
    method: 'POST',
    headers: { Authorization: authorization, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const session = (await res.json()) as { checkout_session_id: string; url: string };
  out(`   ← ${res.status}`);
  json(session);
  const page = await (await fetch(session.url)).text();
  out(`   the customer opens the url: a page with ${/>Pay</.test(page) ? 'Pay and Cancel buttons' : 'NO PAY BUTTON'}, and presses Pay`);
  const paid = await fetch(`${session.url}/pay`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ method: 'card' }) });
  out(`   ← ${paid.status} back to ${paid.headers.get('location')}`);
  const paymentIntent = () => String(stripe.checkoutSessions.get(session.checkout_session_id)?.payment_intent ?? '');
  await waitUntil('the pack credit reaching Moesif', () => moesif.ledger.has(paymentIntent()));
  out('   Stripe sent checkout.session.completed and payment_intent.succeeded; one credit reached Moesif:');
  json(moesif.ledger.get(paymentIntent()));
  let status: { credit?: { state?: string } } = {};
  // Moesif has it a moment before the outbox records the delivery.
  await waitUntil('the credit being recorded as delivered', async () => {
    const res = await fetch(`${base}/top-ups/${session.checkout_session_id}`, { headers: { Authorization: authorization } });
    status = (await res.json()) as typeof status;
    return status.credit?.state === 'delivered';
  });
  out(`   GET /top-ups/${session.checkout_session_id}`);
  json(status);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
