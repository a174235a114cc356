import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics.js';
import { errorHandler, notFoundHandler } from './middleware/error-handler.js';
import { requestContext } from './middleware/request-id.js';
import { metricsRoutes } from './routes/metrics-routes.js';

/**
 * GET /metrics alone, for METRICS_PORT: a listener of its own that the network policy can keep
 * away from the public (the main port then has no /metrics). Never listens itself (main.ts does).
 */
export function createMetricsApp(metrics: Metrics, bearerToken: string | undefined, logger: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestContext(logger));
  app.use(metricsRoutes(metrics, bearerToken));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
