import type Stripe from 'stripe';
import { z } from 'zod';
import { ThinEventError, WebhookPayloadError } from './stripe-errors.js';
import { STRIPE_ID_PATTERNS } from './stripe-ids.js';

/** Stripe's event types: lower-case words joined by dots and underscores (e.g. `charge.dispute.created`). */
export const EVENT_TYPE = /^[a-z0-9_]{1,60}(\.[a-z0-9_]{1,60}){1,5}$/;

/** The envelope every snapshot event has; what is inside data.object is checked per type (webhooks/event-objects.ts). */
const envelope = z.object({
  id: z.string().regex(STRIPE_ID_PATTERNS.event),
  object: z.literal('event').optional(),
  type: z.string().regex(EVENT_TYPE),
  created: z.number().int().nonnegative(),
  livemode: z.boolean().optional(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

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
  const thin = thinNotification.safeParse(parsed);
  if (thin.success) throw new ThinEventError(thin.data.id ?? null, thin.data.type ?? null);
  if (!envelope.safeParse(parsed).success) throw new WebhookPayloadError('the signed body is not a Stripe event');
  return parsed as Stripe.Event;
}
