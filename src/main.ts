import type { Server } from 'node:http';
import dotenv from 'dotenv';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { createHttpServer, listen } from './http/http-server.js';
import { createLogger } from './logging/logger.js';
import { buildService, type Service } from './service.js';

/**
 * Entry point: load config (failing loudly), wire the real adapters, listen, and shut down
 * cleanly on SIGTERM/SIGINT: stop accepting, finish requests and deliveries in flight, close the store.
 */
dotenv.config({ quiet: true });

let config: Config;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`topup-sync: ${err.message}\nSee .env.example and the README's configuration table.\n`);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}

const logger = createLogger(config.logLevel);
let service: Service;
try {
  service = await buildService(config, logger);
} catch (err) {
  logger.fatal({ err }, 'cannot open the store');
  process.exit(1);
}
service.start();

const server: Server = createHttpServer(service.app, config.http);
let metricsServer: Server | null = null;
let stopping = false;
// Before the port opens: whoever sees the "listening" line may signal at once, and a signal with
// no handler yet would kill the process instead of shutting it down.
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
try {
  const port = await listen(server, config.port, config.host);
  if (stopping) server.close(); // a signal came while it was opening
  logger.info({ port, host: config.host, stripeApi: config.stripe.apiBase?.origin ?? 'api.stripe.com' }, 'topup-sync listening');
} catch (err) {
  logger.fatal({ err, port: config.port, host: config.host }, 'cannot listen');
  process.exit(1);
}

const exposure = config.metrics.exposure;
if (exposure.kind === 'own_port' && service.metricsApp && !stopping) {
  metricsServer = createHttpServer(service.metricsApp, config.http);
  try {
    const port = await listen(metricsServer, exposure.port, exposure.host);
    if (stopping) metricsServer.close();
    logger.info({ port, host: exposure.host }, 'metrics listening');
  } catch (err) {
    logger.fatal({ err, port: exposure.port, host: exposure.host }, 'cannot listen for metrics');
    process.exit(1);
  }
} else if (exposure.kind === 'off') {
  logger.warn(
    { host: config.host },
    '/metrics is off: the service listens on a public address without METRICS_BEARER_TOKEN; set it, or METRICS_PORT',
  );
}

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  service.beginShutdown();
  const deadline = setTimeout(() => {
    logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs);
  deadline.unref();
  metricsServer?.close();
  metricsServer?.closeAllConnections();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  await service.close();
  logger.info('shut down cleanly');
  process.exit(0);
}

process.on('unhandledRejection', (reason) => {
  logger.error({ err: reason }, 'unhandled rejection');
});
