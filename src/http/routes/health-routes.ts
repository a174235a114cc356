import { Router } from 'express';
import { z } from 'zod';
import type { Store } from '../../store/store.js';
import type { ApiRegistry } from '../openapi/api-registry.js';
import { json } from '../openapi/error-responses.js';

export interface Readiness {
  store: Store;
  workerRunning: () => boolean;
  shuttingDown: () => boolean;
}

/** /healthz: the process answers. /readyz: it can take traffic (store reachable, worker running, not draining). */
export function healthRoutes(readiness: Readiness): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    const checks = { store: 'ok', worker: readiness.workerRunning() ? 'ok' : 'stopped', accepting: !readiness.shuttingDown() };
    try {
      await readiness.store.ping();
    } catch (err) {
      checks.store = 'unreachable';
      req.log.warn({ err }, 'readiness: store unreachable');
    }
    const ready = checks.store === 'ok' && checks.worker === 'ok' && checks.accepting;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  return router;
}

const readinessSchema = z
  .strictObject({
    status: z.enum(['ready', 'not_ready']),
    checks: z.strictObject({ store: z.enum(['ok', 'unreachable']), worker: z.enum(['ok', 'stopped']), accepting: z.boolean() }),
  })
  .meta({ id: 'Readiness' });

/** The OpenAPI paths of healthRoutes (see openapi/api-registry.ts). */
export function describeHealthRoutes(api: ApiRegistry): void {
  api.registerPath({
    method: 'get',
    path: '/healthz',
    operationId: 'getLiveness',
    tags: ['Operations'],
    security: [],
    summary: 'Liveness: the process answers',
    responses: { 200: json('Alive', z.strictObject({ status: z.literal('ok') })) },
  });
  api.registerPath({
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    tags: ['Operations'],
    security: [],
    summary: 'Readiness: store reachable, delivery worker running, not draining',
    responses: { 200: json('Ready', readinessSchema), 503: json('Not ready (the checks say why)', readinessSchema) },
  });
}
