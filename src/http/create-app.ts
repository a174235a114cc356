import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { AdminDeps } from '../admin/admin-actions.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { AutoRechargeDeps } from '../auto-recharge/auto-recharge-deps.js';
import type { BalanceDeps } from '../balances/get-balance.js';
import type { Config } from '../config/config.js';
import type { Metrics } from '../metrics/metrics.js';
import type { RateLimitDeps } from '../rate-limits/rate-limiter.js';
import { RouteLimits } from '../rate-limits/route-limits.js';
import type { ReconcileResult } from '../reconcile/reconcile-events.js';
import type { StripeGateway } from '../stripe/stripe-gateway.js';
import type { TopUpDeps } from '../top-ups/create-top-up.js';
import type { IngestDeps } from '../webhooks/ingest-event.js';
import { errorHandler, notFoundHandler } from './middleware/error-handler.js';
import { requestContext } from './middleware/request-id.js';
import { adminRoutes } from './routes/admin-routes.js';
import { autoRechargeHintRoutes } from './routes/auto-recharge-hint-routes.js';
import { autoRechargeRoutes } from './routes/auto-recharge-routes.js';
import { balanceRoutes } from './routes/balance-routes.js';
import { healthRoutes, type Readiness } from './routes/health-routes.js';
import { metricsRoutes } from './routes/metrics-routes.js';
import { topUpRoutes } from './routes/top-up-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';

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
  admin: AdminDeps;
  reconcileNow: (sinceSeconds?: number) => Promise<ReconcileResult>;
  readiness: Readiness;
  /** Where rate-limit counters are kept (shared by instances on PostgreSQL). */
  rateLimits: RateLimitDeps;
}

/** Builds the HTTP app from its collaborators. Never listens: the entry point (main.ts) does. */
export function createApp(deps: AppDeps): Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestContext(deps.logger));
  app.use(healthRoutes(deps.readiness));
  if (config.metrics.exposure.kind === 'main_port') app.use(metricsRoutes(deps.metrics, config.metrics.bearerToken));
  app.use(
    webhookRoutes({
      stripe: deps.stripe,
      ingest: deps.ingest,
      metrics: deps.metrics,
      toleranceSeconds: config.stripe.webhookToleranceSeconds,
      maxBufferedBytes: config.http.webhookMaxBufferedBytes,
    }),
  );
  const limits = new RouteLimits(config.rateLimits, deps.rateLimits);
  app.use(topUpRoutes({ topUps: deps.topUps, authenticator: deps.authenticator, config, metrics: deps.metrics, limits }));
  app.use(
    balanceRoutes({ balances: deps.balances, authenticator: deps.authenticator, corsOrigins: config.auth.corsAllowedOrigins, limits }),
  );
  if (config.autoRecharge.hintToken) {
    app.use(autoRechargeHintRoutes({ autoRecharge: deps.autoRecharge, hintToken: config.autoRecharge.hintToken }));
  }
  app.use(autoRechargeRoutes({ autoRecharge: deps.autoRecharge, authenticator: deps.authenticator, config, limits }));
  if (config.adminApiKey) {
    app.use(adminRoutes({ admin: deps.admin, adminApiKey: config.adminApiKey, reconcileNow: deps.reconcileNow }));
  }
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
