import { listDeliveries, redriveEvent, retryAll, retryDelivery } from '../admin/admin-actions.js';
import { listOutgoingEvents, replayDeadEvents, replayEvent } from '../admin/event-actions.js';
import { listPausedSettings, resumeSetting } from '../admin/auto-recharge-admin.js';
import type { DeliveryState } from '../ledger/ledger-entry.js';
import type { OutgoingEventState } from '../store/store.js';
import { runGrantCommand } from './grant-commands.js';
import { openForCli, print } from './open-for-cli.js';

const USAGE = `usage: npm run admin -- <command>
  list [pending|delivered|failed|dead] [--limit N]   deliveries, most recently changed first
  show <transaction_id>                              one delivery with its reason and attempts
  retry <transaction_id>                             put one failed or dead delivery back in the queue
  retry-all [dead|failed]                            put every dead (default) or failed delivery back
  redrive <stripe_event_id>                          run a Stripe event through the ledger rules again
  counts                                             deliveries per state
  events [pending|delivered|dead] [--limit N]        outgoing events (to EVENT_WEBHOOK_URLS), most recently changed first
  replay-event <event_id>                            send a delivered or dead outgoing event again, same id
  replay-events                                      send every dead outgoing event again
  grant <customer_id> <credits> --key K [--subscription sub_…] [--active-at ISO] [--expire-at ISO] [--reason R]
                                                     promotional credits (a retried key is one grant)
  adjust <customer_id> <±credits> --key K --reason R [--subscription sub_…]
                                                     a signed correction
  auto-recharge [suspended|requires_action]          paused auto-recharge subscriptions with their reasons
  auto-recharge-resume <subscription_id>             lift the pause of one subscription's auto-recharge
`;

const STATES = new Set(['pending', 'delivered', 'failed', 'dead']);
const EVENT_STATES = new Set(['pending', 'delivered', 'dead']);
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
    case 'events': {
      const state = arg && EVENT_STATES.has(arg) ? (arg as OutgoingEventState) : undefined;
      const limitAt = [arg, ...rest].indexOf('--limit');
      const limit = limitAt >= 0 ? Number([arg, ...rest][limitAt + 1]) || 100 : 100;
      print(await listOutgoingEvents(service.admin, state, limit));
      break;
    }
    case 'replay-event': {
      if (!arg) usage();
      const n = await replayEvent(service.admin, arg);
      if (n === 0) exitCode = 1;
      print(n > 0 ? { requeued: n, event_id: arg } : { error: `no delivered or dead outgoing event ${arg}` });
      break;
    }
    case 'replay-events':
      print({ requeued: await replayDeadEvents(service.admin) });
      break;
    case 'grant':
    case 'adjust': {
      const result = await runGrantCommand(service.grants, command, [arg, ...rest].filter((a) => a !== undefined));
      exitCode = result.exitCode;
      print(result.output);
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
