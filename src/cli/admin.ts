import { listDeliveries, redriveEvent, retryAll, retryDelivery } from '../admin/admin-actions.js';
import { listPausedSettings, resumeSetting } from '../admin/auto-recharge-admin.js';
import type { DeliveryState } from '../ledger/ledger-entry.js';
import { openForCli, print } from './open-for-cli.js';

const USAGE = `usage: npm run admin -- <command>
  list [pending|delivered|failed|dead] [--limit N]   deliveries, most recently changed first
  show <transaction_id>                              one delivery with its reason and attempts
  retry <transaction_id>                             put one failed or dead delivery back in the queue
  retry-all [dead|failed]                            put every dead (default) or failed delivery back
  redrive <stripe_event_id>                          run a Stripe event through the ledger rules again
  counts                                             deliveries per state
  auto-recharge [suspended|requires_action]          paused auto-recharge subscriptions with their reasons
  auto-recharge-resume <subscription_id>             lift the pause of one subscription's auto-recharge
`;

const STATES = new Set(['pending', 'delivered', 'failed', 'dead']);
const [command, arg, ...rest] = process.argv.slice(2);

function usage(): never {
  process.stderr.write(USAGE);
  process.exit(2);
}

if (!command) usage();
const service = await openForCli();
let exitCode = 0;
try {
  switch (command) {
    case 'list': {
      const state = arg && STATES.has(arg) ? (arg as DeliveryState) : undefined;
      const limitAt = [arg, ...rest].indexOf('--limit');
      const limit = limitAt >= 0 ? Number([arg, ...rest][limitAt + 1]) || 100 : 100;
      print(await listDeliveries(service.admin, state, limit));
      break;
    }
    case 'show': {
      if (!arg) usage();
      const entry = await service.store.outbox.get(arg);
      if (!entry) exitCode = 1;
      print(entry ?? { error: `no delivery ${arg}` });
      break;
    }
    case 'retry':
      if (!arg) usage();
      if (await retryDelivery(service.admin, arg)) print({ requeued: arg });
      else {
        print({ error: `no failed or dead delivery ${arg}` });
        exitCode = 1;
      }
      break;
    case 'retry-all':
      print({ requeued: await retryAll(service.admin, arg === 'failed' ? 'failed' : 'dead') });
      break;
    case 'redrive': {
      if (!arg) usage();
      const result = await redriveEvent(service.admin, arg);
      if (result.found === 'nowhere') exitCode = 1;
      print(result);
      break;
    }
    case 'counts':
      print(await service.store.outbox.countByState());
      break;
    case 'auto-recharge':
      print(await listPausedSettings(service.store.autoRecharge, arg === 'requires_action' ? 'requires_action' : 'suspended', 100));
      break;
    case 'auto-recharge-resume':
      if (!arg) usage();
      if (await resumeSetting(service.store.autoRecharge, arg, 'admin-cli', Date.now())) print({ resumed: arg });
      else {
        print({ error: `no paused auto-recharge for ${arg}` });
        exitCode = 1;
      }
      break;
    default:
      usage();
  }
} finally {
  await service.close();
}
process.exit(exitCode);
