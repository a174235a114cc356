import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { PaymentFailedError } from '../stripe/stripe-errors.js';
import { StripeGateway } from '../stripe/stripe-gateway.js';
import { StripeTestFixtures } from '../stripe/test-mode-fixtures.js';
import { FlowRunner, type FlowResult } from './flow-runner.js';

/**
 * `npm run check:stripe`: the service's real Stripe flows, through its own StripeGateway, against
 * Stripe's test mode (or a simulator): a customer with test cards, an off-session top-up, a
 * declined one, one needing 3-D Secure, an on-session one, a Checkout Session created and
 * expired, the events listed; then everything it made is deleted or canceled.
 */

const AMOUNT = 1000;
const CURRENCY = 'usd';

export interface CheckOptions {
  /** How long to wait for Stripe to list the payment's event (it can lag a few seconds). */
  eventsWaitMs?: number;
}

class Prerequisite extends Error {}

function need<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Prerequisite(`skipped: ${what}`);
  return value;
}

export async function runStripeCheck(stripe: Stripe, print: (line: string) => void, options: CheckOptions = {}): Promise<FlowResult[]> {
  const runner = new FlowRunner(stripe, print);
  // verifyEvent is not used here: no webhook secret is needed.
  const gateway = new StripeGateway(stripe, [], 300);
  const fixtures = new StripeTestFixtures(stripe);
  const runId = randomBytes(6).toString('hex');
  const startedAt = Math.floor(Date.now() / 1000) - 60;
  const key = (flow: string) => `topup-sync-check-${runId}-${flow}`;
  const toCancel: string[] = [];
  let customerId: string | null = null;
  let paidIntent: string | null = null;

  const topUp = async (flow: 'off_session' | 'on_session', paymentMethodId: string | null, name: string) =>
    gateway.createTopUpIntent({
      customerId: need(customerId, 'no customer'),
      amountMinor: AMOUNT,
      currency: CURRENCY,
      flow,
      paymentMethodId,
      tag: { companyId: need(customerId, 'no customer'), subscriptionId: null, credits: null },
      idempotencyKey: key(name),
    });

  /** The top-up must fail with `code`; its PaymentIntent is canceled at the end. */
  const expectFailure = async (name: string, paymentMethodId: string, code: PaymentFailedError['code']) => {
    try {
      const intent = await topUp('off_session', paymentMethodId, name);
      toCancel.push(intent.id);
      throw new Error(`expected ${code}, the PaymentIntent ${intent.id} is ${intent.status}`);
    } catch (err) {
      if (!(err instanceof PaymentFailedError)) throw err;
      if (err.paymentIntentId) toCancel.push(err.paymentIntentId);
      if (err.code !== code) throw err;
      return err;
    }
  };

  try {
    await runner.flow('customer', async () => {
      customerId = await fixtures.createCustomer(runId);
      return `created test customer ${customerId}`;
    });

    await runner.flow('attach card', async () => {
      const pm = await fixtures.attachTestCard(need(customerId, 'no customer'), 'pm_card_visa');
      return `pm_card_visa attached as ${pm}`;
    });

    await runner.flow('off-session top-up', async () => {
      const customer = need(await gateway.getCustomer(need(customerId, 'no customer')), 'the customer is gone');
      const choice = await gateway.choosePaymentMethod(customer);
      if (choice.kind !== 'found') throw new Error(`the service finds no card to charge (${choice.kind})`);
      const intent = await topUp('off_session', choice.paymentMethodId, 'off-session');
      if (intent.status !== 'succeeded') throw new Error(`${intent.id} is ${intent.status}, expected succeeded`);
      paidIntent = intent.id;
      return `${intent.id} succeeded (${AMOUNT} ${CURRENCY}, the saved card charged with no redirect)`;
    });

    await runner.flow('declined top-up', async () => {
      const id = need(customerId, 'no customer');
      let note = '';
      let pm: string;
      try {
        pm = await fixtures.attachTestCard(id, 'pm_card_chargeDeclined');
      } catch (err) {
        if (!(err instanceof PaymentFailedError) || err.code !== 'card_declined') throw err;
        // Stripe checks a card when it is attached: this one is refused already, so the charge is
        // tried with the card that attaches and then declines ("decline after attaching").
        note = 'pm_card_chargeDeclined declined when attached; ';
        pm = await fixtures.attachTestCard(id, 'pm_card_chargeCustomerFail');
      }
      const err = await expectFailure('declined', pm, 'card_declined');
      return `${note}the top-up answered card_declined (${err.declineCode ?? 'no decline code'}) for ${err.paymentIntentId}`;
    });

    await runner.flow('3-D Secure top-up', async () => {
      const pm = await fixtures.attachTestCard(need(customerId, 'no customer'), 'pm_card_authenticationRequired');
      const err = await expectFailure('3ds', pm, 'authentication_required');
      if (!err.clientSecret) throw new Error('authentication_required without the client_secret the browser needs');
      return `authentication_required for ${err.paymentIntentId}, client_secret handed back for the browser`;
    });

    await runner.flow('on-session top-up', async () => {
      const intent = await topUp('on_session', null, 'on-session');
      toCancel.push(intent.id);
      if (!intent.clientSecret) throw new Error(`${intent.id} has no client_secret`);
      return `${intent.id} ${intent.status}, client_secret for stripe.confirmPayment`;
    });

    await runner.flow('checkout session', async () => {
      const session = await fixtures.createCheckoutSession({ customerId: need(customerId, 'no customer'), amountMinor: AMOUNT, currency: CURRENCY, runId });
      if (session.status !== 'open' || !session.url) throw new Error(`${session.id} is ${session.status}, expected open with a URL`);
      const status = await fixtures.expireCheckoutSession(session.id);
      if (status !== 'expired') throw new Error(`${session.id} is ${status} after expiring`);
      return `${session.id} created open, then expired`;
    });

    await runner.flow('events', async () => {
      const paid = need(paidIntent, 'no top-up succeeded');
      const deadline = Date.now() + (options.eventsWaitMs ?? 20_000);
      for (;;) {
        for await (const event of gateway.listEvents(['payment_intent.succeeded'], startedAt)) {
          if ((event.data.object as { id?: string }).id !== paid) continue;
          const version =
            event.api_version === Stripe.API_VERSION
              ? `api_version ${event.api_version}, as the service pins`
              : `api_version ${event.api_version}, the service pins ${Stripe.API_VERSION}: create the webhook endpoint with ${Stripe.API_VERSION}`;
          return `payment_intent.succeeded of ${paid} listed (${version})`;
        }
        if (Date.now() > deadline) throw new Error(`no payment_intent.succeeded of ${paid} listed`);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    });
  } finally {
    await runner.flow('clean up', async () => {
      const canceled: string[] = [];
      for (const id of new Set(toCancel)) {
        await fixtures.cancelPaymentIntent(id);
        canceled.push(id);
      }
      const deleted = customerId ? await fixtures.deleteCustomer(customerId) : false;
      return `${deleted ? `customer ${customerId} deleted` : 'no customer to delete'}; ${canceled.length} open PaymentIntent(s) canceled`;
    });
  }
  return runner.results;
}
