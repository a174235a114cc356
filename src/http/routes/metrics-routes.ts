import { Router } from 'express';
import { z } from 'zod';
import type { Metrics } from '../../metrics/metrics.js';
import { requireBearer } from '../middleware/require-bearer.js';
import { SECURITY, type ApiRegistry } from '../openapi/api-registry.js';
import { errorResponses } from '../openapi/error-responses.js';

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

/** The OpenAPI path of metricsRoutes on the main port (see openapi/api-registry.ts). */
export function describeMetricsRoutes(api: ApiRegistry, hasBearerToken: boolean): void {
  api.registerPath({
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    tags: ['Operations'],
    summary: 'Prometheus metrics',
    security: hasBearerToken ? [{ [SECURITY.metricsToken]: [] }] : [],
    responses: {
      200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } },
      ...errorResponses(...(hasBearerToken ? (['unauthenticated'] as const) : [])),
    },
  });
}
