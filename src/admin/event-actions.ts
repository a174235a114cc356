import type { OutgoingEventState, StoredOutgoingEvent } from '../store/store.js';
import type { AdminDeps } from './admin-actions.js';

/** What an operator can do about outgoing events, shared by the admin API and `npm run admin`. */
export function listOutgoingEvents(deps: AdminDeps, state: OutgoingEventState | undefined, limit: number): Promise<StoredOutgoingEvent[]> {
  return deps.store.eventsOut.list({ state, limit });
}

/**
 * Sends an event again, with its original id (receivers deduplicate by it), to every destination
 * it was dead or delivered at. Returns how many deliveries were requeued (0: unknown, or pending).
 */
export async function replayEvent(deps: AdminDeps, eventId: string): Promise<number> {
  const n = await deps.store.eventsOut.replay(eventId, deps.now());
  if (n > 0) deps.onEventsQueued?.();
  return n;
}

export async function replayDeadEvents(deps: AdminDeps): Promise<number> {
  const n = await deps.store.eventsOut.replayDead(deps.now());
  if (n > 0) deps.onEventsQueued?.();
  return n;
}
