import cors from 'cors';
import type { RequestHandler } from 'express';

/** CORS for the browser routes, limited to the configured frontend origins; nothing when none are set. */
export function corsAllowList(origins: readonly string[]): RequestHandler {
  if (origins.length === 0) return (_req, _res, next) => next();
  return cors({
    origin: [...origins],
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id'],
    maxAge: 600,
  });
}
