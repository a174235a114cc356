import type { Express } from 'express';
import type { Logger } from 'pino';
import type { AdminDeps } from './admin/admin-actions.js';
import { Authenticator } from './auth/authenticator.js';
import type { AutoRechargeDeps } from './auto-recharge/auto-recharge-deps.js';
import { AutoRechargeScheduler } from './auto-recharge/auto-recharge-scheduler.js';
import { paymentCompleted } from './auto-recharge/payment-completed.js';
import type { BalanceReading } from './balances/get-balance.js';
import { TtlCache } from './balances/ttl-cache.js';
import { billingCheckout } from './checkout/billing-checkout.js';
import type { Config } from './config/config.js';
import { createApp } from './http/create-app.js';
import { createMetricsApp } from './http/create-metrics-app.js';
import { Metrics } from './metrics/metrics.js';
import { MoesifLedger, toMoesifTransaction } from './moesif/moesif-ledger.js';
import { MoesifPostThread, postThreadSettings } from './moesif/moesif-post-thread.js';
import { MoesifBreaker } from './outbox/moesif-breaker.js';
import { OutboxWorker } from './outbox/outbox-worker.js';
import { EventSender } from './outgoing-events/event-sender.js';
import { EventWorker } from './outgoing-events/event-worker.js';
import { OutgoingEvents } from './outgoing-events/outgoing-events.js';
import type { GrantDeps } from './promotions/grant-credits.js';
import { PackCatalog } from './packs/pack-catalog.js';
import { reconcileEvents, type ReconcileDeps, type ReconcileResult } from './reconcile/reconcile-events.js';
import { ReconcileScheduler } from './reconcile/reconcile-scheduler.js';
import type { PruneResult } from './retention/prune-old-rows.js';
import { RetentionScheduler } from './retention/retention-scheduler.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';
import { createStripeClient } from './stripe/stripe-client.js';
import { StripeGateway } from './stripe/stripe-gateway.js';
import { SubscriptionOwnership } from './subscriptions/subscription-ownership.js';
import type { TopUpDeps } from './top-ups/create-top-up.js';
import { apiVersionWatch } from './webhooks/event-api-version.js';
import type { IngestDeps } from './webhooks/ingest-event.js';

export interface Service {
  app: Express;
  /** GET /metrics on a port of its own (METRICS_PORT); null when /metrics is on `app` or off. */
  metricsApp: Express | null;
  store: Store;
  worker: OutboxWorker;
  /** Delivers outgoing events to EVENT_WEBHOOK_URLS; null when they are off. */
  eventWorker: EventWorker | null;
  metrics: Metrics;
  admin: AdminDeps;
  /** Promotional credits and adjustments (the admin API and `npm run admin -- grant/adjust`). */
  grants: GrantDeps;
  autoRecharge: AutoRechargeDeps;
  /** One auto-recharge tick now (tests drive it with an injected clock); how many subscriptions were evaluated. */
  autoRechargeTick(): Promise<number>;
  /** Runs one retention pass now (null when another instance holds the retention lease). */
  pruneNow(): Promise<PruneResult | null>;
  /** Runs one reconciliation sweep now (from the cursor, or from `sinceSeconds`). */
  reconcileNow(sinceSeconds?: number): Promise<ReconcileResult>;
  /** Starts the background work: the delivery worker, the periodic reconciliation, retention and auto-recharge. */
  start(): void;
  /** Marks the service as draining (readiness turns 503). */
  beginShutdown(): void;
  /** Stops background work after in-flight deliveries are recorded, then closes the store. */
  close(): Promise<void>;
}

/**
 * Wires the real adapters from config. Used by main.ts, the CLIs, the demo and the tests alike.
 * `role: 'operator'` for commands run beside a running service (see openStore).
 */
export async function buildService(
  config: Config,
  logger: Logger,
  now: () => number = Date.now,
  role: 'service' | 'operator' = 'service',
): Promise<Service> {
  const store = await openStore(config.databaseUrl, {
    sqliteBusyTimeoutMs: config.sqliteBusyTimeoutMs,
    role,
    onProblem: (message) => logger.warn({ component: 'store' }, message),
  });
  const metrics = new Metrics(() => store.outbox.countByState(), { outboxRefreshMs: config.metrics.outboxRefreshMs, now });
  const stripe = new StripeGateway(
    createStripeClient(config.stripe),
    config.stripe.webhookSecrets,
    config.stripe.webhookToleranceSeconds,
  );
  const moesif = new MoesifLedger(config.moesif, config.outbox.concurrency);
  const outboxLogger = logger.child({ component: 'outbox' });
  const retryPolicy = { baseDelayMs: config.outbox.retryBaseDelayMs, maxDelayMs: config.outbox.retryMaxDelayMs };
  const breaker = new MoesifBreaker(retryPolicy, (open) => {
    if (open) outboxLogger.warn('Moesif keeps failing: sending one probe at a time until it answers');
    else outboxLogger.info('Moesif answers again: delivering at full concurrency');
    metrics.moesifBreakerOpen.set(open ? 1 : 0);
  });
  const events = new OutgoingEvents(config.outgoingEvents.urls, {
    creditRates: config.ledger.creditRates,
    creditExpiryMs: config.ledger.creditExpiryMs,
  });
  const eventWorker = config.outgoingEvents.secret && events.enabled
    ? new EventWorker({
        store,
        sender: new EventSender(config.outgoingEvents.secret, config.outgoingEvents.timeoutMs),
        destinations: config.outgoingEvents.urls,
        policy: { ...retryPolicy, maxAttempts: config.outgoingEvents.maxAttempts },
        pollIntervalMs: config.outbox.pollIntervalMs,
        // Never shorter than two timeouts: a lease must outlive the attempt it covers.
        leaseMs: Math.max(config.outbox.leaseMs, 2 * config.outgoingEvents.timeoutMs),
        concurrency: config.outgoingEvents.concurrency,
        now,
        logger: logger.child({ component: 'outgoing-events' }),
        onAttempt: (result) => metrics.outgoingEventAttempts.inc({ result }),
      })
    : null;
  if (eventWorker) events.onQueued(() => eventWorker.kick());
  // Deliveries post from a worker thread unless configured otherwise; balance reads stay here.
  const poster = config.outbox.postThread ? new MoesifPostThread(postThreadSettings(config), outboxLogger) : null;
  const worker = new OutboxWorker(
    {
      store,
      moesif: poster ?? moesif,
      subscriptions: stripe,
      toMoesif: (entry, subscriptionId) =>
        toMoesifTransaction(entry, subscriptionId, config.ledger.creditRates, config.moesif.transactionTypes, config.ledger.creditExpiryMs),
      policy: { ...retryPolicy, maxAttempts: config.outbox.maxAttempts },
      now,
      logger: outboxLogger,
      metrics,
      breaker,
      events,
    },
    config.outbox,
    outboxLogger,
  );
  const onQueued = () => worker.kick();
  const ownership = new SubscriptionOwnership(stripe, now);
  const packs = new PackCatalog(stripe, config.packsCacheTtlMs, now);
  let shuttingDown = false;

  const ingest: IngestDeps = {
    store,
    stripe,
    settings: {
      creditUntagged: config.ledger.creditUntagged,
      refundsDebitCredits: config.ledger.refundsDebitCredits,
      disputeDebitOn: config.ledger.disputeDebitOn,
      companyIdMetadataKey: config.moesif.companyIdMetadataKey,
    },
    now,
    onQueued,
    events,
    onPaymentSucceeded: async (paymentIntentId) => {
      const resumed = await paymentCompleted({ store, events, packs }, paymentIntentId, now());
      if (resumed) logger.info({ subscriptionId: resumed, paymentIntentId }, 'auto-recharge resumed: the customer completed the payment');
    },
    apiVersion: apiVersionWatch(logger.child({ component: 'webhooks' }), (matches) =>
      metrics.eventApiVersions.inc({ matches: matches ? 'yes' : 'no' }),
    ),
  };
  const reconcileLogger = logger.child({ component: 'reconcile' });
  const reconcileDeps: ReconcileDeps = {
    stripe,
    ingest,
    store,
    logger: reconcileLogger,
    now,
    firstLookbackHours: config.reconcile.firstLookbackHours,
  };
  const recordRun = (result: ReconcileResult | null) => {
    metrics.reconcileRuns.inc({ result: result ? 'ok' : 'error' });
    if (result) {
      for (const outcome of ['queued', 'duplicate', 'ignored'] as const) metrics.reconcileEvents.inc({ outcome }, result[outcome]);
    }
  };
  const scheduler = new ReconcileScheduler(reconcileDeps, config.reconcile.intervalMs, reconcileLogger, recordRun);
  const retention = new RetentionScheduler({
    store,
    now,
    logger: logger.child({ component: 'retention' }),
    retentionDays: config.retentionDays,
    onRun: (result) => {
      for (const [kind, n] of Object.entries(result)) if (n > 0) metrics.retentionDeleted.inc({ kind }, n);
    },
  });
  const reconcileNow = async (sinceSeconds?: number) => {
    try {
      const result = await reconcileEvents(reconcileDeps, sinceSeconds);
      recordRun(result);
      return result;
    } catch (err) {
      recordRun(null);
      throw err;
    }
  };
  const grants: GrantDeps = { store, stripe, ownership, companyIdMetadataKey: config.moesif.companyIdMetadataKey, now, onQueued };
  const admin: AdminDeps = { store, stripe, ingest, now, onQueued, onEventsQueued: () => events.queued() };

  const topUps: TopUpDeps = {
    store,
    stripe,
    ownership,
    companyIdMetadataKey: config.moesif.companyIdMetadataKey,
    creditUntagged: config.ledger.creditUntagged,
    creditRates: config.ledger.creditRates,
    packs,
    now,
    onQueued,
    logger,
  };
  const autoRechargeLogger = logger.child({ component: 'auto-recharge' });
  const autoRecharge: AutoRechargeDeps = {
    store,
    stripe,
    moesif,
    topUps: { ...topUps, logger: autoRechargeLogger },
    creditRates: config.ledger.creditRates,
    limits: config.topUp.limits,
    intervalMs: config.autoRecharge.intervalMs,
    cooldownMs: config.autoRecharge.cooldownMs,
    now,
    logger: autoRechargeLogger,
    onAttempt: (outcome) => metrics.autoRechargeAttempts.inc({ outcome }),
    events,
  };
  const autoRechargeScheduler = new AutoRechargeScheduler(autoRecharge, Math.min(1_000, Math.max(10, config.autoRecharge.intervalMs / 10)));

  const app = createApp({
    config,
    logger,
    metrics,
    stripe,
    authenticator: new Authenticator(config.auth, now),
    ingest,
    topUps,
    autoRecharge,
    balances: {
      store,
      stripe,
      ownership,
      moesif,
      cache: new TtlCache<BalanceReading>(config.moesif.balanceCacheTtlMs, 10_000),
      creditRates: config.ledger.creditRates,
      now,
    },
    grants,
    history: { store, creditRates: config.ledger.creditRates, creditExpiryMs: config.ledger.creditExpiryMs },
    admin,
    billing: { sessions: { store, ownership, now }, checkout: billingCheckout(topUps, config) },
    reconcileNow,
    readiness: { store, workerRunning: () => worker.isRunning, shuttingDown: () => shuttingDown },
    rateLimits: { store: store.rateLimits, now },
  });

  return {
    app,
    metricsApp: config.metrics.exposure.kind === 'own_port' ? createMetricsApp(metrics, config.metrics.bearerToken, logger) : null,
    store,
    worker,
    eventWorker,
    metrics,
    admin,
    grants,
    autoRecharge,
    autoRechargeTick: () => autoRechargeScheduler.runOnce(),
    reconcileNow,
    pruneNow: () => retention.runOnce(),
    start: () => {
      poster?.start();
      worker.start();
      eventWorker?.start();
      scheduler.start();
      retention.start();
      autoRechargeScheduler.start();
    },
    beginShutdown: () => {
      shuttingDown = true;
    },
    close: async () => {
      shuttingDown = true;
      await scheduler.stop();
      await retention.stop();
      await autoRechargeScheduler.stop();
      await worker.stop();
      await poster?.close();
      await eventWorker?.stop();
      await store.close();
    },
  };
}
