import { createServer, type Server } from 'node:http';
import type { Express } from 'express';

export interface HttpServerSettings {
  /** Most time a client may take to send a request's headers. */
  headersTimeoutMs: number;
  /** Most time a client may take to send a whole request, body included (not the time to answer it). */
  requestTimeoutMs: number;
}

/** Longer than the idle timeout of common load balancers (60 s), so they close idle connections first. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** How often Node checks the two timeouts above; its default (30 s) would let a stalled request live that much longer. */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/**
 * The HTTP server for an app. A client that sends its headers or body slowly is answered 408 and
 * disconnected after the timeouts above, so stalled connections cannot hold buffers for minutes
 * (Node's own request timeout is 300 s).
 */
export function createHttpServer(app: Express, settings: HttpServerSettings): Server {
  const server = createServer(
    {
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    app,
  );
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  return server;
}

/** Listens and resolves with the bound port (port 0 = any free port). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
