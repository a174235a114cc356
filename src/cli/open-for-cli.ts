import dotenv from 'dotenv';
import { ConfigError, loadConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { buildService, type Service } from '../service.js';

/**
 * Config and store for an operator command on the box: the same configuration as the service,
 * logs to stderr (stdout carries the command's answer), no HTTP server and no background work,
 * and it never claims deliveries, so it can run beside the service on the same SQLite file.
 */
export async function openForCli(): Promise<Service> {
  dotenv.config({ quiet: true });
  try {
    const config = loadConfig(process.env);
    const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', process.stderr);
    // An operator: it shares the SQLite file with a running service instead of owning it.
    return await buildService(config, logger, Date.now, 'operator');
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}

export function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
