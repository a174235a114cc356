import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Metrics } from '../../metrics/metrics.js';
import { checkSignatureHeader } from '../../stripe/signature-header.js';
import { ThinEventError, WebhookPayloadError } from '../../stripe/stripe-errors.js';
import type { StripeGateway } from '../../stripe/stripe-gateway.js';
import { eventTypeLabel } from '../../webhooks/event-type-label.js';
import { ingestEvent, type IngestDeps } from '../../webhooks/ingest-event.js';
import { ApiError } from '../api-error.js';
import { BodyBudget } from '../middleware/body-budget.js';
import { SECURITY, type ApiRegistry } from '../openapi/api-registry.js';
import { errorResponses, json } from '../openapi/error-responses.js';

/** Stripe events are small; anything larger than this is not from Stripe. */
export const MAX_EVENT_BYTES = 1024 * 1024;

export interface WebhookRouteDeps {
  stripe: StripeGateway;
  ingest: IngestDeps;
  metrics: Metrics;
  toleranceSeconds: number;
  /** Most bytes of webhook bodies buffered at once, across all requests. */
  maxBufferedBytes: number;
}

/**
 * POST /webhooks/stripe: look at the Stripe-Signature header before reading anything, reserve
 * room for the body (503 when too many bodies are arriving at once), verify the signature on the raw bytes, record the event durably, answer.
 * 2xx only after the store has committed; nothing here calls Moesif.
 */
export function webhookRoutes(deps: WebhookRouteDeps): Router {
  const count = (type: string | null, outcome: string) => deps.metrics.webhooks.inc({ type: eventTypeLabel(type), outcome });

  // A header that cannot verify is refused before the body is read (and the connection closed,
  // so its body is never read at all). Signature checks use the real clock, as Stripe signs with it.
  const signatureFirst: RequestHandler = (req, res, next) => {
    const check = checkSignatureHeader(req.get('stripe-signature'), Math.floor(Date.now() / 1000), deps.toleranceSeconds);
    if (!check.ok) {
      count(null, 'bad_signature');
      req.log.warn({ problem: check.problem }, 'stripe webhook signature header rejected');
      res.setHeader('Connection', 'close');
      throw new ApiError('invalid_signature', 'Missing, malformed or expired Stripe-Signature header.');
    }
    next();
  };

  const budget = new BodyBudget(deps.maxBufferedBytes, MAX_EVENT_BYTES);
  const router = Router();
  router.post(
    '/webhooks/stripe',
    signatureFirst,
    budget.middleware(),
    express.raw({ type: () => true, limit: MAX_EVENT_BYTES }),
    async (req, res) => {
      const signature = req.get('stripe-signature')!;
      const body: unknown = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        count(null, 'bad_signature');
        throw new ApiError('invalid_signature', 'Missing Stripe-Signature header or body.');
      }
      let event;
      try {
        event = deps.stripe.verifyEvent(body, signature);
      } catch (err) {
        if (err instanceof ThinEventError) {
          // Answered 2xx so Stripe does not retry it for days; the endpoint should send snapshot events.
          count(err.eventType, 'ignored');
          req.log.warn({ eventId: err.eventId, eventType: err.eventType }, 'thin event ignored: configure a snapshot-payload webhook endpoint');
          res.status(200).json({ received: true, outcome: 'ignored' });
          return;
        }
        if (err instanceof WebhookPayloadError) {
          count(null, 'invalid_payload');
          req.log.warn({ reason: err.message }, 'signed stripe webhook body rejected');
          throw new ApiError('invalid_json', `The body is signed but unusable: ${err.message}.`);
        }
        count(null, 'bad_signature');
        req.log.warn('stripe webhook signature rejected');
        throw new ApiError('invalid_signature', 'The Stripe-Signature header did not verify.');
      }
      let result;
      try {
        result = await ingestEvent(deps.ingest, event, body.toString('utf8'));
      } catch (err) {
        count(event.type, 'error');
        throw err;
      }
      count(event.type, result.outcome);
      req.log.info({ eventId: event.id, eventType: event.type, outcome: result.outcome, note: result.note }, 'stripe event recorded');
      res.status(200).json({ received: true, outcome: result.outcome });
    },
  );
  return router;
}

/** The OpenAPI path of webhookRoutes (see openapi/api-registry.ts). */
export function describeWebhookRoutes(api: ApiRegistry): void {
  api.registerPath({
    method: 'post',
    path: '/webhooks/stripe',
    operationId: 'receiveStripeEvent',
    tags: ['Stripe'],
    summary: 'Stripe events (configure a snapshot-payload endpoint); answered 2xx only once recorded durably',
    security: [{ [SECURITY.stripeSignature]: [] }],
    request: {
      body: {
        required: true,
        description: `A Stripe Event, signed; at most ${MAX_EVENT_BYTES} bytes.`,
        content: { 'application/json': { schema: z.object({ id: z.string(), object: z.literal('event'), type: z.string() }).catchall(z.unknown()) } },
      },
    },
    responses: {
      200: json(
        'Recorded (queued: ledger entries to deliver; duplicate: seen before; ignored: nothing for the ledger, e.g. a thin event)',
        z.strictObject({ received: z.literal(true), outcome: z.enum(['queued', 'duplicate', 'ignored']) }),
      ),
      ...errorResponses('invalid_signature', 'invalid_json', 'payload_too_large', 'server_busy', 'store_unavailable'),
    },
  });
}
