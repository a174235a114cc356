import type { Logger } from 'pino';
import Stripe from 'stripe';
import { checkoutSessionObject, disputeObject, paymentIntentObject, refundObject } from './event-objects.js';

/**
 * The Stripe API version this service is built and tested for: the one stripe-node pins, which
 * its requests send and the simulators speak. A webhook endpoint renders its events in its own
 * API version (chosen when the endpoint is created), so an endpoint created with another version
 * can send objects of other shapes; the README asks for an endpoint of this version.
 */
export const BUILT_FOR_API_VERSION: string = Stripe.API_VERSION;

/**
 * The fields of Stripe's objects the ledger rules read: the keys of the schemas each handled
 * event's object is checked with (event-objects.ts), so a field read there is named here too.
 */
export const FIELDS_RELIED_ON: readonly string[] = (
  [
    ['payment_intent', paymentIntentObject],
    ['refund', refundObject],
    ['dispute', disputeObject],
    ['checkout.session', checkoutSessionObject],
  ] as const
).map(([name, schema]) => `${name}.{${Object.keys(schema.shape).join(',')}}`);

/** A version string longer than this is cut in the log line (it came from outside). */
const MAX_LOGGED_VERSION = 40;

export interface ApiVersionWatch {
  /** Called with every verified event before it is recorded (webhooks and reconciliation alike). */
  observe(event: Stripe.Event): void;
}

/**
 * Warns (and counts) each verified event rendered in another API version than BUILT_FOR_API_VERSION.
 * The event is still processed: the fields relied on are stable across recent versions, and
 * refusing it would only make Stripe retry it for days; the warning names what to check.
 */
export function apiVersionWatch(logger: Logger, count: (matches: boolean) => void): ApiVersionWatch {
  return {
    observe(event) {
      const version = typeof event.api_version === 'string' ? event.api_version : null;
      const matches = version === BUILT_FOR_API_VERSION;
      count(matches);
      if (matches) return;
      logger.warn(
        {
          eventId: event.id,
          eventType: event.type,
          eventApiVersion: version === null ? null : version.slice(0, MAX_LOGGED_VERSION),
          builtForApiVersion: BUILT_FOR_API_VERSION,
          fieldsReliedOn: FIELDS_RELIED_ON,
        },
        'stripe event has another API version than this service was built for: recreate the webhook endpoint with builtForApiVersion, or check that fieldsReliedOn keep their shapes',
      );
    },
  };
}
