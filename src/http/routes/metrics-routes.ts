import { Router } from 'express';
import type { Metrics } from '../../metrics/metrics.js';
import { requireBearer } from '../middleware/require-bearer.js';

/** GET /metrics in Prometheus text format; behind a bearer token when one is configured. */
export function metricsRoutes(metrics: Metrics, bearerToken: string | undefined): Router {
  const router = Router();
  const guard = bearerToken ? [requireBearer(bearerToken)] : [];
  router.get('/metrics', ...guard, async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  return router;
}
