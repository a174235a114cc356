import { HANDLED_EVENT_TYPES } from './translate-event.js';

const HANDLED: ReadonlySet<string> = new Set(HANDLED_EVENT_TYPES);

/**
 * The `type` label of a webhook metric: one of the handled event types, `other` for any other
 * (verified) type, `unknown` when no verified event was read. A closed set, so no caller can
 * create new series (each label value is a series kept for the life of the process).
 */
export function eventTypeLabel(type: string | null): string {
  if (type === null) return 'unknown';
  return HANDLED.has(type) ? type : 'other';
}
