import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { StripeGateway } from '../stripe/stripe-gateway.js';
import { ingestEvent, type IngestDeps } from '../webhooks/ingest-event.js';
import { HANDLED_EVENT_TYPES } from '../webhooks/translate-event.js';

export const CURSOR_KEY = 'reconcile.cursor';
/** Stripe keeps events for 30 days. */
const STRIPE_RETENTION_S = 30 * 24 * 3600;
/** Re-read a little before the cursor: events are not always listed in the order they were created. */
const OVERLAP_S = 10 * 60;

export interface ReconcileDeps {
  stripe: Pick<StripeGateway, 'listEvents'>;
  ingest: IngestDeps;
  store: Store;
  logger: Logger;
  now: () => number;
  /** How far back the first run (no cursor yet) looks. */
  firstLookbackHours: number;
}

export interface ReconcileResult {
  /** Unix seconds the sweep started from. */
  since: number;
  found: number;
  queued: number;
  duplicate: number;
  ignored: number;
}

/** Where a sweep starts: an explicit time, else the stored cursor (less an overlap), else the first look-back. */
export async function reconcileStart(deps: ReconcileDeps, sinceSeconds?: number): Promise<number> {
  const nowS = Math.floor(deps.now() / 1000);
  const oldest = nowS - STRIPE_RETENTION_S;
  if (sinceSeconds !== undefined) return Math.max(sinceSeconds, oldest);
  const cursor = await deps.store.state.get(CURSOR_KEY);
  const start = cursor === null ? nowS - deps.firstLookbackHours * 3600 : Number(cursor) - OVERLAP_S;
  return Math.max(start, oldest);
}

/**
 * Catch-up for missed webhooks: reads the handled event types from Stripe since a cursor and feeds
 * each through the webhook's own ingestion path, so events already recorded are free duplicates.
 * The cursor moves forward only after a complete sweep.
 */
export async function reconcileEvents(deps: ReconcileDeps, sinceSeconds?: number): Promise<ReconcileResult> {
  const since = await reconcileStart(deps, sinceSeconds);
  const result: ReconcileResult = { since, found: 0, queued: 0, duplicate: 0, ignored: 0 };
  let newest = since;
  for await (const event of deps.stripe.listEvents(HANDLED_EVENT_TYPES, since)) {
    result.found += 1;
    newest = Math.max(newest, event.created);
    const ingested = await ingestEvent(deps.ingest, event, JSON.stringify(event));
    result[ingested.outcome] += 1;
    if (ingested.outcome === 'queued') {
      deps.logger.info({ eventId: event.id, eventType: event.type, note: ingested.note }, 'reconciliation queued a missed event');
    }
  }
  const previous = Number((await deps.store.state.get(CURSOR_KEY)) ?? 0);
  if (newest > previous) await deps.store.state.set(CURSOR_KEY, String(newest), deps.now());
  return result;
}
