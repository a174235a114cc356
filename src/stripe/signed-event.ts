import type Stripe from 'stripe';
import { z } from 'zod';
import { ThinEventError, WebhookPayloadError } from './stripe-errors.js';
import { STRIPE_ID_PATTERNS } from './stripe-ids.js';

/** Stripe's event types: lower-case words joined by dots and underscores (e.g. `charge.dispute.created`). */
export const EVENT_TYPE = /^[a-z0-9_]{1,60}(\.[a-z0-9_]{1,60}){1,5}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The envelope every snapshot event has; what is inside data.object is checked per type, with zod
 * (webhooks/event-objects.ts). Plain checks here: this runs for every webhook, and a zod schema
 * of these few fields costs as much as the signature check's JSON parse.
 */
function isEventEnvelope(v: unknown): v is Stripe.Event {
  if (!isObject(v)) return false;
  const { id, object, type, created, livemode, data } = v;
  return (
    typeof id === 'string' &&
    STRIPE_ID_PATTERNS.event.test(id) &&
    (object === undefined || object === 'event') &&
    typeof type === 'string' &&
    EVENT_TYPE.test(type) &&
    Number.isSafeInteger(created) &&
    (created as number) >= 0 &&
    (livemode === undefined || typeof livemode === 'boolean') &&
    isObject(data) &&
    isObject(data.object)
  );
}

const thinNotification = z.object({
  object: z.literal('v2.core.event'),
  id: z.string().regex(STRIPE_ID_PATTERNS.event).optional().catch(undefined),
  type: z.string().regex(EVENT_TYPE).optional().catch(undefined),
});

/**
 * Parses a body whose signature has already verified. A thin (v2) notification is reported as
 * ThinEventError with its id and type only when they have Stripe's shape, so nothing longer
 * reaches a log line; anything that is not a snapshot event is a WebhookPayloadError.
 */
export function parseSignedEvent(rawBody: Buffer): Stripe.Event {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new WebhookPayloadError('the signed body is not valid JSON');
  }
  if (isObject(parsed) && parsed.object === 'v2.core.event') {
    const thin = thinNotification.parse(parsed);
    throw new ThinEventError(thin.id ?? null, thin.type ?? null);
  }
  if (!isEventEnvelope(parsed)) throw new WebhookPayloadError('the signed body is not a Stripe event');
  return parsed;
}
