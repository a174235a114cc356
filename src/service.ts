import type { Express } from 'express';
import type { Logger } from 'pino';
import { Authenticator } from './auth/authenticator.js';
import type { Config } from './config/config.js';
import { createApp } from './http/create-app.js';
import { TtlCache } from './balances/ttl-cache.js';
import { MoesifLedger, toMoesifTransaction, type SubscriptionBalance } from './moesif/moesif-ledger.js';
import { OutboxWorker } from './outbox/outbox-worker.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';
import { createStripeClient } from './stripe/stripe-client.js';
import { StripeGateway } from './stripe/stripe-gateway.js';

export interface Service {
  app: Express;
  store: Store;
  worker: OutboxWorker;
  /** Marks the service as draining (readiness turns 503). */
  beginShutdown(): void;
  /** Stops the worker after in-flight deliveries are recorded, then closes the store. */
  close(): Promise<void>;
}

/** Wires the real adapters from config. Used by main.ts, the demo and the tests alike. */
export async function buildService(config: Config, logger: Logger, now: () => number = Date.now): Promise<Service> {
  const store = await openStore(config.databaseUrl);
  const stripe = new StripeGateway(
    createStripeClient(config.stripe),
    config.stripe.webhookSecrets,
    config.stripe.webhookToleranceSeconds,
  );
  const moesif = new MoesifLedger(config.moesif, config.outbox.concurrency);
  const worker = new OutboxWorker(
    {
      store,
      moesif,
      subscriptions: stripe,
      toMoesif: (entry, subscriptionId) => toMoesifTransaction(entry, subscriptionId, config.ledger.creditRates, config.moesif.transactionTypes),
      policy: {
        baseDelayMs: config.outbox.retryBaseDelayMs,
        maxDelayMs: config.outbox.retryMaxDelayMs,
        maxAttempts: config.outbox.maxAttempts,
      },
      now,
      logger: logger.child({ component: 'outbox' }),
    },
    config.outbox,
    logger.child({ component: 'outbox' }),
  );
  const onQueued = () => worker.kick();
  let shuttingDown = false;

  const app = createApp({
    config,
    logger,
    stripe,
    authenticator: new Authenticator(config.auth),
    ingest: {
      store,
      stripe,
      settings: {
        creditUntagged: config.ledger.creditUntagged,
        refundsDebitCredits: config.ledger.refundsDebitCredits,
        disputeDebitOn: config.ledger.disputeDebitOn,
      },
      now,
      onQueued,
    },
    topUps: {
      store,
      stripe,
      companyIdMetadataKey: config.moesif.companyIdMetadataKey,
      creditUntagged: config.ledger.creditUntagged,
      creditRates: config.ledger.creditRates,
      now,
      onQueued,
      logger,
    },
    balances: {
      store,
      stripe,
      moesif,
      cache: new TtlCache<SubscriptionBalance | null>(config.moesif.balanceCacheTtlMs, 10_000),
      creditRates: config.ledger.creditRates,
      now,
    },
    readiness: { store, workerRunning: () => worker.isRunning, shuttingDown: () => shuttingDown },
  });

  return {
    app,
    store,
    worker,
    beginShutdown: () => {
      shuttingDown = true;
    },
    close: async () => {
      shuttingDown = true;
      await worker.stop();
      await store.close();
    },
  };
}
