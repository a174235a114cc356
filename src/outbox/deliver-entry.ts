import type { Logger } from 'pino';
import type { ClaimedEntry, OutboxEntry } from '../ledger/ledger-entry.js';
import type { MoesifBalanceTransaction } from '../moesif/moesif-http.js';
import { MoesifDeliveryError } from '../moesif/moesif-errors.js';
import type { OutgoingEvents } from '../outgoing-events/outgoing-events.js';
import type { Store } from '../store/store.js';
import { StripeCallError } from '../stripe/stripe-errors.js';
import { statusClass, type Metrics } from '../metrics/metrics.js';
import { retryDelayMs, type BackoffPolicy } from './backoff.js';
import type { MoesifBreaker } from './moesif-breaker.js';
import { resolveSubscription, type SubscriptionLookup } from './resolve-subscription.js';

export interface DeliveryDeps {
  store: Store;
  moesif: { postTransaction(tx: MoesifBalanceTransaction): Promise<void> };
  subscriptions: SubscriptionLookup;
  /** Builds Moesif's wire format (amount through the currency exponent and credit rate). */
  toMoesif: (entry: OutboxEntry, subscriptionId: string) => MoesifBalanceTransaction;
  policy: BackoffPolicy & { maxAttempts: number };
  now: () => number;
  logger: Logger;
  metrics: Metrics;
  breaker: Pick<MoesifBreaker, 'recordAnswer' | 'recordFailure'>;
  /** Outgoing events the outcome causes, written with it (absent or disabled: none). */
  events?: Pick<OutgoingEvents, 'forDelivered' | 'forUndeliverable' | 'queued'>;
}

export type DeliveryResult = 'delivered' | 'retry' | 'failed' | 'dead';

interface Failure {
  error: string;
  status: number | null;
  retryable: boolean;
  retryAfterMs: number | null;
}

function classify(err: unknown): Failure {
  if (err instanceof MoesifDeliveryError) {
    const body = err.responseBody ? `: ${err.responseBody}` : '';
    return { error: `${err.message}${body}`, status: err.status, retryable: err.retryable, retryAfterMs: err.retryAfterMs };
  }
  if (err instanceof StripeCallError) {
    // A rejected lookup (e.g. the customer no longer exists) will not fix itself; anything else might.
    return { error: `subscription lookup: ${err.message}`, status: null, retryable: err.kind !== 'rejected', retryAfterMs: null };
  }
  return { error: err instanceof Error ? err.message : String(err), status: null, retryable: true, retryAfterMs: null };
}

/** One attempt at one claimed entry; records the outcome in the store and the metrics. */
export async function deliverEntry(deps: DeliveryDeps, entry: ClaimedEntry): Promise<DeliveryResult> {
  const stopTimer = deps.metrics.deliveryDuration.startTimer();
  const result = await attempt(deps, entry);
  stopTimer();
  deps.metrics.deliveryAttempts.inc({ result });
  if (result === 'delivered') deps.metrics.creditLag.observe(Math.max(0, deps.now() - entry.createdAt) / 1000);
  return result;
}

/** Parks or kills an entry, with its ledger_entry.failed event in the same transaction. */
async function markUndeliverable(deps: DeliveryDeps, entry: ClaimedEntry, state: 'failed' | 'dead', failure: { error: string; status: number | null }) {
  const now = deps.now();
  const events = deps.events?.forUndeliverable(entry, state, failure.error, now) ?? [];
  await deps.store.outbox.markUndeliverable(entry, state, failure, now, events);
  if (events.length > 0) deps.events?.queued();
}

async function attempt(deps: DeliveryDeps, entry: ClaimedEntry): Promise<DeliveryResult> {
  const { store, logger } = deps;
  // The fields every line of this attempt carries, passed per call: a child logger per delivery
  // would cost on the hot path even when nothing is logged.
  const at = { transactionId: entry.transactionId, attempt: entry.attempts + 1 };
  const log = {
    info: (fields: object, msg: string) => logger.info({ ...at, ...fields }, msg),
    warn: (fields: object, msg: string) => logger.warn({ ...at, ...fields }, msg),
    error: (fields: object, msg: string) => logger.error({ ...at, ...fields }, msg),
  };
  try {
    const resolution = await resolveSubscription(deps.subscriptions, entry);
    if (resolution.kind === 'unresolvable') {
      await markUndeliverable(deps, entry, 'failed', { error: resolution.reason, status: null });
      log.warn({ reason: resolution.reason }, 'ledger entry parked: subscription unresolved');
      return 'failed';
    }
    if (resolution.subscriptionId !== entry.subscriptionId) {
      await store.outbox.setSubscription(entry, resolution.subscriptionId, deps.now());
    }
    try {
      await deps.moesif.postTransaction(deps.toMoesif(entry, resolution.subscriptionId));
      deps.metrics.moesifResponses.inc({ status_class: '2xx' });
      deps.breaker.recordAnswer();
    } catch (err) {
      if (err instanceof MoesifDeliveryError) {
        deps.metrics.moesifResponses.inc({ status_class: statusClass(err.status) });
        if (err.retryable) deps.breaker.recordFailure(deps.now(), err.retryAfterMs);
        else deps.breaker.recordAnswer();
      }
      throw err;
    }
    const deliveredAt = deps.now();
    const delivered = { ...entry, subscriptionId: resolution.subscriptionId, state: 'delivered' as const, deliveredAt };
    const events = deps.events?.forDelivered(delivered, deliveredAt) ?? [];
    await store.outbox.markDelivered(entry, deliveredAt, events);
    if (events.length > 0) deps.events?.queued();
    log.info({ kind: entry.kind, amountMinor: entry.amountMinor, currency: entry.currency }, 'ledger entry delivered to Moesif');
    return 'delivered';
  } catch (err) {
    const failure = classify(err);
    const attempts = entry.attempts + 1;
    const stored = { error: failure.error, status: failure.status };
    if (!failure.retryable) {
      await markUndeliverable(deps, entry, 'dead', stored);
      log.error({ status: failure.status, error: failure.error }, 'ledger entry refused: dead');
      return 'dead';
    }
    if (attempts >= deps.policy.maxAttempts) {
      const reason = { ...stored, error: `gave up after ${attempts} attempts: ${failure.error}` };
      await markUndeliverable(deps, entry, 'dead', reason);
      log.error({ status: failure.status, error: failure.error }, 'ledger entry out of attempts: dead');
      return 'dead';
    }
    const delay = retryDelayMs(attempts, deps.policy, failure.retryAfterMs);
    await store.outbox.scheduleRetry(entry, stored, deps.now() + delay, deps.now());
    log.warn({ status: failure.status, error: failure.error, retryInMs: delay }, 'ledger entry delivery failed: will retry');
    return 'retry';
  }
}
