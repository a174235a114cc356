import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Health probes run every few seconds; their successes are logged at debug only. */
const PROBES = new Set(['/healthz', '/readyz']);
/** The path is the caller's (up to the header size limit): log a bounded prefix of it. */
const MAX_LOGGED_PATH = 120;

/** Paths that carry a credential: a billing link's token is logged as "…". */
const SECRET_IN_PATH = /^(\/billing\/session\/).+$/;

/** The route pattern that handled the request (bounded: ours), and a bounded copy of the path. */
export function loggedPath(req: { path: string; route?: { path?: unknown } }): { route: string | null; path: string } {
  const route = typeof req.route?.path === 'string' ? req.route.path : null;
  const shown = req.path.replace(SECRET_IN_PATH, '$1…');
  const path = shown.length > MAX_LOGGED_PATH ? `${shown.slice(0, MAX_LOGGED_PATH)}…` : shown;
  return { route, path };
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      id: string;
      log: Logger;
    }
  }
}

/**
 * Gives every request an id (the caller's X-Request-Id when it is sane, else a new one), echoes
 * it in the response, and a child logger that stamps it on every line.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    req.id = incoming && ACCEPTABLE_ID.test(incoming) ? incoming : `req_${randomUUID()}`;
    // Built on first use: most requests of a busy webhook endpoint log nothing at warn level.
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', { get: () => (child ??= logger.child({ requestId: req.id })), configurable: true });
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const fields = { method: req.method, ...loggedPath(req), status: res.statusCode, durationMs: Math.round(durationMs * 10) / 10 };
      if (res.statusCode >= 500) req.log.error(fields, 'request failed');
      else if (PROBES.has(req.path)) req.log.debug(fields, 'request handled');
      else req.log.info(fields, 'request handled');
    });
    next();
  };
}
