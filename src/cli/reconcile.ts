import { parseSince } from '../admin/parse-since.js';
import { openForCli, print } from './open-for-cli.js';

/**
 * `npm run reconcile -- [--since 48h|7d|2026-11-01T00:00:00Z]`: reads the handled event types from
 * Stripe (at most its 30 days) and queues whatever the webhooks missed. Without --since it starts
 * from the stored cursor, like the periodic sweep.
 */
const args = process.argv.slice(2);
const at = args.indexOf('--since');
let since: number | undefined;
if (at >= 0) {
  const parsed = parseSince(args[at + 1] ?? '', Date.now());
  if (parsed === null) {
    process.stderr.write('usage: npm run reconcile -- [--since 48h|30m|7d|<ISO date>]\n');
    process.exit(2);
  }
  since = parsed;
}

const service = await openForCli();
try {
  const result = await service.reconcileNow(since);
  print({ ...result, since: new Date(result.since * 1000).toISOString() });
  if (result.queued > 0) process.stderr.write(`${result.queued} missed event(s) queued; the running service delivers them.\n`);
} finally {
  await service.close();
}
