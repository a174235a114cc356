import { Router } from 'express';
import type { Store } from '../../store/store.js';

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
