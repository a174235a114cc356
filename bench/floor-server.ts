import type { AddressInfo } from 'node:net';
import express from 'express';
import type Stripe from 'stripe';
import { toMoesifAmount } from '../src/money/moesif-amount.js';
import type { MoesifBalanceTransaction } from '../src/moesif/moesif-http.js';
import { createStripeClient } from '../src/stripe/stripe-client.js';
import { startWorkerThread } from '../src/threads/start-worker-thread.js';

/**
 * The floor: the least a service could do and still turn each payment into a Moesif credit, run
 * beside the real one on the same machine so a target can be compared with what the machine
 * allows at all. It uses the service's own HTTP paths (its axios setup for Moesif, its Stripe
 * client), and skips everything that makes the service correct: no signature check, no
 * validation, no store and no fsync, no authentication, no retry beyond "try again later", and
 * nothing survives a crash. It is a lower bound on cost, never something to run.
 *
 * Credits are posted from a thread of their own (floor-poster.ts), as the service does.
 *
 * FLOOR_MODE=ingest: POST /webhooks/stripe answers like the bare baseline, then posts the
 * PaymentIntent's credit to Moesif. FLOOR_MODE=topup: POST /top-up makes the two Stripe calls the
 * service makes before it answers (the customer, then the confirmed PaymentIntent), answers, then
 * does what the service's delivery does (the customer's subscriptions, then the credit).
 * Forked by the orchestrator, which reads the port from the first IPC message.
 */

const mode = process.env.FLOOR_MODE;
const poster = startWorkerThread(
  import.meta.url,
  './floor-poster',
  {
    apiUrl: process.env.MOESIF_API_URL,
    apiKey: process.env.MOESIF_MANAGEMENT_API_KEY,
    concurrency: Number(process.env.FLOOR_MOESIF_CONCURRENCY ?? '64'),
  },
  'floor-poster',
  {},
);

/** Credits for the poster thread, sent as one message per turn of the event loop. */
let batch: MoesifBalanceTransaction[] = [];
function deliver(tx: MoesifBalanceTransaction): void {
  if (batch.length === 0) {
    setImmediate(() => {
      poster.postMessage(batch);
      batch = [];
    });
  }
  batch.push(tx);
}

interface PaymentIntentLike {
  id: string;
  amount_received: number;
  currency: string;
  customer: string;
  metadata: Record<string, string>;
}

const credit = (pi: PaymentIntentLike, subscriptionId: string): MoesifBalanceTransaction => ({
  company_id: pi.metadata.moesif_company_id ?? pi.customer,
  subscription_id: subscriptionId,
  amount: toMoesifAmount(pi.amount_received, pi.currency),
  type: 'credit',
  transaction_id: pi.id,
  description: 'Top-up',
});

const app = express();
if (mode === 'ingest') {
  app.post('/webhooks/stripe', express.json({ type: () => true, limit: '1mb' }), (req, res) => {
    const event = req.body as { type?: string; data?: { object?: PaymentIntentLike } };
    res.status(200).json({ received: true, outcome: 'queued' });
    const pi = event.data?.object;
    if (event.type === 'payment_intent.succeeded' && pi) deliver(credit(pi, pi.metadata.moesif_subscription_id!));
  });
} else if (mode === 'topup') {
  const stripe: Stripe = createStripeClient({ secretKey: process.env.STRIPE_SECRET_KEY!, apiBase: new URL(process.env.STRIPE_API_BASE!) });
  app.post('/top-up', express.json(), async (req, res) => {
    const body = req.body as { customer_id: string; amount: number; currency: string };
    try {
      const customer = (await stripe.customers.retrieve(body.customer_id)) as Stripe.Customer;
      const method = customer.invoice_settings.default_payment_method as string;
      const pi = await stripe.paymentIntents.create(
        {
          amount: body.amount,
          currency: body.currency,
          customer: customer.id,
          metadata: { topup_sync: 'v1', moesif_company_id: customer.id },
          description: 'API credit top-up',
          payment_method: method,
          off_session: true,
          confirm: true,
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        },
        { idempotencyKey: String(req.headers['idempotency-key']) },
      );
      res.status(201).json({ payment_intent_id: pi.id, status: pi.status });
      if (pi.status !== 'succeeded') return;
      // The delivery's look-up (the service's outbox does the same before it posts the credit).
      const pages = await Promise.all(
        (['active', 'trialing'] as const).map((status) => stripe.subscriptions.list({ customer: customer.id, status, limit: 3 })),
      );
      const subscription = pages.flatMap((p) => p.data)[0]!;
      deliver(credit({ id: pi.id, amount_received: pi.amount_received, currency: pi.currency, customer: customer.id, metadata: pi.metadata }, subscription.id));
    } catch (err) {
      if (!res.headersSent) res.status(502).json({ error: (err as Error).message });
    }
  });
} else {
  throw new Error('FLOOR_MODE must be ingest or topup');
}

const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'listening', port });
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

const stop = () => {
  void poster.terminate();
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
