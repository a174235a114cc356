import type Stripe from 'stripe';
import type { Store } from '../store/store.js';
import { translateEvent } from './translate-event.js';

export type IngestOutcome = 'queued' | 'ignored' | 'duplicate';

export interface IngestResult {
  outcome: IngestOutcome;
  /** The ledger transaction queued, or why nothing was. */
  note: string;
}

export interface IngestDeps {
  store: Store;
  creditUntagged: boolean;
  now: () => number;
  /** Called after a new outbox entry is committed, to wake the delivery worker. */
  onQueued: () => void;
}

/**
 * Records a verified Stripe event and the ledger entry it implies in one transaction. Calls no
 * outside system: the delivery worker does that later, so a Moesif outage never fails a webhook.
 */
export async function ingestEvent(deps: IngestDeps, event: Stripe.Event, payload: string): Promise<IngestResult> {
  const action = translateEvent(event, deps.creditUntagged);
  const entry = action.kind === 'queue' ? action.entry : null;
  const note = action.kind === 'queue' ? `${action.entry.kind} ${action.entry.transactionId}` : action.reason;
  const result = await deps.store.recordStripeEvent(
    {
      id: event.id,
      type: event.type,
      created: event.created,
      livemode: event.livemode,
      payload,
      outcome: action.kind === 'queue' ? 'queued' : 'ignored',
      note,
    },
    entry,
    deps.now(),
  );
  if (result.duplicate) return { outcome: 'duplicate', note: 'event already recorded' };
  if (result.queued) deps.onQueued();
  if (action.kind === 'queue' && !result.queued) {
    return { outcome: 'queued', note: `${note} was already queued by another path` };
  }
  return { outcome: action.kind === 'queue' ? 'queued' : 'ignored', note };
}
