import { z } from 'zod';
import { OUTGOING_EVENT_TYPES } from '../../outgoing-events/event-types.js';
import { OUTGOING_EVENT_DATA, outgoingEventSchema } from '../schemas/outgoing-event-schemas.js';
import type { ApiRegistry } from './api-registry.js';

/**
 * The events this service POSTs to the operator's own app (OUTGOING_EVENT_DESTINATIONS), in the
 * document's `webhooks`: signed per Standard Webhooks, retried until a 2xx (4xx other than 408/429 is final).
 */
export function describeOutgoingEvents(api: ApiRegistry): void {
  const headers = z.object({
    'webhook-id': z.string().meta({ description: 'The event id: the same on every redelivery; deduplicate by it.' }),
    'webhook-timestamp': z.string().meta({ description: 'Unix seconds of this attempt.' }),
    'webhook-signature': z.string().meta({ description: 'v1,<base64 HMAC-SHA256 of "id.timestamp.body"> (Standard Webhooks).' }),
  });
  for (const type of OUTGOING_EVENT_TYPES) {
    const { summary, data } = OUTGOING_EVENT_DATA[type];
    api.registerWebhook({
      method: 'post',
      path: type,
      operationId: `event_${type.replace('.', '_')}`,
      tags: ['Outgoing events'],
      summary,
      request: { headers, body: { required: true, content: { 'application/json': { schema: outgoingEventSchema(type, data) } } } },
      responses: {
        200: { description: 'Any 2xx: delivered.' },
        400: { description: 'Any 4xx other than 408 and 429: refused; the event is dead (replay it from the admin API).' },
        500: { description: '408, 429, 5xx or no answer: retried with backoff (Retry-After honoured).' },
      },
    });
  }
}
