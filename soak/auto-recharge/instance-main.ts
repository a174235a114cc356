import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';
import { buildService } from '../../src/service.js';

/**
 * One service instance of the auto-recharge soak (a child process). The same wiring as main.ts,
 * but its clock is the soak's virtual one: the parent sends `{ type: 'tick', now }` over IPC, the
 * instance sets its clock and runs one auto-recharge tick (under the store lease, as in
 * production), and answers `{ type: 'ticked', seq }`. Credits are delivered by the real outbox worker.
 */
let virtualNow = Number(process.env.SOAK_CLOCK_START);
const config = loadConfig(process.env);
const service = await buildService(config, createLogger(config.logLevel), () => virtualNow);
service.worker.start();

process.on('message', (message: { type: string; now: number; seq: number }) => {
  if (message.type !== 'tick') return;
  virtualNow = message.now;
  void service.autoRechargeTick().then((evaluated) => process.send?.({ type: 'ticked', seq: message.seq, evaluated }));
});
process.on('disconnect', () => {
  void service.close().finally(() => process.exit(0));
});
process.send?.({ type: 'ready' });
