import { ApiError } from '../http/api-error.js';
import { ledgerEntryView } from '../history/ledger-view.js';
import { adjustCredits, grantPromotion, type GrantDeps } from '../promotions/grant-credits.js';
import { adjustBody, grantBody } from '../promotions/grant-request.js';
import { IDEMPOTENCY_KEY } from '../top-ups/idempotency.js';

const FLAGS: Record<string, string> = {
  '--key': 'key',
  '--subscription': 'subscription_id',
  '--active-at': 'active_at',
  '--expire-at': 'expire_at',
  '--reason': 'reason',
};

/** `<customer> <amount> --key K [--subscription S] …` → the admin API's body and the key. */
function parseArgs(args: string[]): { body: Record<string, string>; key: string | undefined; problems: string[] } {
  const [customer, amount, ...rest] = args;
  const body: Record<string, string> = {};
  if (customer !== undefined) body.customer_id = customer;
  if (amount !== undefined) body.amount = amount;
  const problems: string[] = [];
  let key: string | undefined;
  for (let i = 0; i < rest.length; i += 2) {
    const name = FLAGS[rest[i]!];
    const value = rest[i + 1];
    if (!name || value === undefined) {
      problems.push(`unknown or incomplete option ${rest[i]}`);
      continue;
    }
    if (name === 'key') key = value;
    else body[name] = value;
  }
  if (key === undefined || !IDEMPOTENCY_KEY.test(key)) problems.push('--key: required, 1-200 printable ASCII characters (a retried grant with the same key is one grant)');
  return { body, key, problems };
}

/**
 * `npm run admin -- grant …` and `adjust …`: the same validation and rules as POST /admin/grants
 * and /admin/adjustments. Returns the exit code and what to print.
 */
export async function runGrantCommand(
  deps: GrantDeps,
  command: 'grant' | 'adjust',
  args: string[],
): Promise<{ exitCode: number; output: unknown }> {
  const { body, key, problems } = parseArgs(args);
  const grant = command === 'grant' ? grantBody.safeParse(body) : null;
  const adjust = command === 'adjust' ? adjustBody.safeParse(body) : null;
  const failed = grant?.error ?? adjust?.error;
  if (failed) problems.push(...failed.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`));
  if (problems.length > 0) return { exitCode: 2, output: { error: problems } };
  try {
    let result;
    if (grant?.data) {
      const b = grant.data;
      result = await grantPromotion(deps, {
        customerId: b.customer_id,
        subscriptionId: b.subscription_id,
        microCredits: b.amount,
        activeAt: b.active_at,
        expireAt: b.expire_at,
        reason: b.reason,
        idempotencyKey: key!,
      });
    } else {
      const b = adjust!.data!;
      result = await adjustCredits(deps, {
        customerId: b.customer_id,
        subscriptionId: b.subscription_id,
        microCredits: b.amount,
        reason: b.reason,
        idempotencyKey: key!,
      });
    }
    return { exitCode: 0, output: { created: result.created, entry: ledgerEntryView(result.entry, {}, null) } };
  } catch (err) {
    if (err instanceof ApiError) return { exitCode: 1, output: { error: err.message, code: err.code } };
    throw err;
  }
}
