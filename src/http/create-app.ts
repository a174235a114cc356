import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { AdminDeps } from '../admin/admin-actions.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { AutoRechargeDeps } from '../auto-recharge/auto-recharge-deps.js';
import type { BalanceDeps } from '../balances/get-balance.js';
import type { BillingSessionDeps } from '../billing-page/billing-sessions.js';
import { capabilitiesOf, type BillingCheckoutPort } from '../billing-page/capabilities.js';
import type { Config } from '../config/config.js';
import type { HistoryDeps } from '../history/list-history.js';
import type { GrantDeps } from '../promotions/grant-credits.js';
import type { Metrics } from '../metrics/metrics.js';
import type { RateLimitDeps } from '../rate-limits/rate-limiter.js';
import { RouteLimits } from '../rate-limits/route-limits.js';
import type { ReconcileResult } from '../reconcile/reconcile-events.js';
import type { StripeGateway } from '../stripe/stripe-gateway.js';
import type { TopUpDeps } from '../top-ups/create-top-up.js';
import type { IngestDeps } from '../webhooks/ingest-event.js';
import { errorHandler, notFoundHandler } from './middleware/error-handler.js';
import { requestContext } from './middleware/request-id.js';
import { AppContract } from './openapi/app-contract.js';
import { describeOutgoingEvents } from './openapi/describe-outgoing-events.js';
import { adminEventRoutes, describeAdminEventRoutes } from './routes/admin-event-routes.js';
import { adminGrantRoutes, describeAdminGrantRoutes } from './routes/admin-grant-routes.js';
import { adminRoutes, describeAdminRoutes } from './routes/admin-routes.js';
import { autoRechargeHintRoutes, describeAutoRechargeHintRoutes } from './routes/auto-recharge-hint-routes.js';
import { autoRechargeRoutes, describeAutoRechargeRoutes } from './routes/auto-recharge-routes.js';
import { balanceRoutes, describeBalanceRoutes } from './routes/balance-routes.js';
import { billingAccountRoutes, describeBillingAccountRoutes } from './routes/billing-account-routes.js';
import { billingApiRoutes, describeBillingApiRoutes } from './routes/billing-api-routes.js';
import { billingPageRoutes, describeBillingPageRoutes } from './routes/billing-page-routes.js';
import { billingSessionRoutes, describeBillingSessionRoutes } from './routes/billing-session-routes.js';
import { checkoutRoutes, describeCheckoutRoutes } from './routes/checkout-routes.js';
import { describeHistoryRoutes, historyRoutes } from './routes/history-routes.js';
import { describeHealthRoutes, healthRoutes, type Readiness } from './routes/health-routes.js';
import { describeMetricsRoutes, metricsRoutes } from './routes/metrics-routes.js';
import { describePackRoutes, packRoutes } from './routes/pack-routes.js';
import { describeOpenApiRoutes, openApiRoutes } from './routes/openapi-routes.js';
import { describeTopUpRoutes, topUpRoutes } from './routes/top-up-routes.js';
import { describeWebhookRoutes, webhookRoutes } from './routes/webhook-routes.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  stripe: StripeGateway;
  authenticator: Authenticator;
  ingest: IngestDeps;
  topUps: TopUpDeps;
  autoRecharge: AutoRechargeDeps;
  balances: BalanceDeps;
  /** GET /ledger and GET /top-ups. */
  history: HistoryDeps;
  /** POST /admin/grants and /admin/adjustments. */
  grants: GrantDeps;
  admin: AdminDeps;
  /** The billing page: its sessions, and the capabilities plugged in so far (checkout: issue 10). */
  billing: { sessions: BillingSessionDeps; checkout?: BillingCheckoutPort };
  reconcileNow: (sinceSeconds?: number) => Promise<ReconcileResult>;
  readiness: Readiness;
  /** Where rate-limit counters are kept (shared by instances on PostgreSQL). */
  rateLimits: RateLimitDeps;
}

/**
 * Builds the HTTP app from its collaborators. Never listens: the entry point (main.ts) does.
 * Each router is mounted together with its OpenAPI description, so /openapi.json documents
 * exactly the routes this app has (see openapi/api-registry.ts).
 */
export function createApp(deps: AppDeps): Express {
  const { config } = deps;
  const app = express();
  const contract = new AppContract();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestContext(deps.logger));
  app.use(healthRoutes(deps.readiness));
  contract.add(describeHealthRoutes);
  if (config.metrics.exposure.kind === 'main_port') {
    app.use(metricsRoutes(deps.metrics, config.metrics.bearerToken));
    contract.add(describeMetricsRoutes, Boolean(config.metrics.bearerToken));
  }
  app.use(
    webhookRoutes({
      stripe: deps.stripe,
      ingest: deps.ingest,
      metrics: deps.metrics,
      toleranceSeconds: config.stripe.webhookToleranceSeconds,
      maxBufferedBytes: config.http.webhookMaxBufferedBytes,
    }),
  );
  contract.add(describeWebhookRoutes);
  const limits = new RouteLimits(config.rateLimits, deps.rateLimits);
  app.use(checkoutRoutes({ topUps: deps.topUps, authenticator: deps.authenticator, config, metrics: deps.metrics, limits }));
  contract.add(describeCheckoutRoutes, config.topUp, config.checkout.returnOrigins);
  app.use(topUpRoutes({ topUps: deps.topUps, authenticator: deps.authenticator, config, metrics: deps.metrics, limits }));
  contract.add(describeTopUpRoutes, config.topUp);
  app.use(packRoutes({ packs: deps.topUps.packs, authenticator: deps.authenticator, corsOrigins: config.auth.corsAllowedOrigins, limits }));
  contract.add(describePackRoutes);
  app.use(
    balanceRoutes({ balances: deps.balances, authenticator: deps.authenticator, corsOrigins: config.auth.corsAllowedOrigins, limits }),
  );
  contract.add(describeBalanceRoutes);
  const { sessions, checkout } = deps.billing;
  app.use(billingSessionRoutes({ sessions, authenticator: deps.authenticator, config, limits }));
  contract.add(describeBillingSessionRoutes, config.billing.returnOrigins);
  app.use(billingPageRoutes({ sessions, authenticator: deps.authenticator, config, capabilities: capabilitiesOf(checkout, config.billing.customAmounts, true), limits }));
  contract.add(describeBillingPageRoutes);
  app.use(billingApiRoutes({ sessions, balances: deps.balances, checkout, config, limits }));
  contract.add(describeBillingApiRoutes, config.topUp, config.billing.customAmounts, Boolean(checkout));
  app.use(billingAccountRoutes({ sessions, account: { history: deps.history, autoRecharge: deps.autoRecharge, stripe: deps.stripe }, config, limits }));
  contract.add(describeBillingAccountRoutes, config.topUp);
  app.use(historyRoutes({ history: deps.history, authenticator: deps.authenticator, corsOrigins: config.auth.corsAllowedOrigins, limits }));
  contract.add(describeHistoryRoutes);
  if (config.autoRecharge.hintToken) {
    app.use(autoRechargeHintRoutes({ autoRecharge: deps.autoRecharge, hintToken: config.autoRecharge.hintToken }));
    contract.add(describeAutoRechargeHintRoutes);
  }
  app.use(autoRechargeRoutes({ autoRecharge: deps.autoRecharge, authenticator: deps.authenticator, config, limits }));
  contract.add(describeAutoRechargeRoutes, config.topUp);
  if (config.adminApiKey) {
    app.use(adminRoutes({ admin: deps.admin, adminApiKey: config.adminApiKey, reconcileNow: deps.reconcileNow }));
    contract.add(describeAdminRoutes);
    app.use(adminEventRoutes({ admin: deps.admin, adminApiKey: config.adminApiKey }));
    contract.add(describeAdminEventRoutes);
    app.use(adminGrantRoutes({ grants: deps.grants, adminApiKey: config.adminApiKey, creditRates: config.ledger.creditRates }));
    contract.add(describeAdminGrantRoutes);
  }
  contract.add(describeOutgoingEvents);
  contract.add(describeOpenApiRoutes);
  app.use(openApiRoutes(contract));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
