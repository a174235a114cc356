import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Authenticator } from '../../auth/authenticator.js';
import { mayActFor } from '../../auth/caller.js';
import { checkoutBodySchema, type CheckoutRequest } from '../../checkout/checkout-request.js';
import { createCheckout } from '../../checkout/create-checkout.js';
import type { Config } from '../../config/config.js';
import type { Metrics } from '../../metrics/metrics.js';
import { setActingCustomer, type RouteLimits } from '../../rate-limits/route-limits.js';
import type { TopUpDeps } from '../../top-ups/create-top-up.js';
import { IDEMPOTENCY_KEY } from '../../top-ups/idempotency.js';
import { purchaseOf } from '../../top-ups/top-up-request.js';
import { ApiError } from '../api-error.js';
import { authenticate, callerOf } from '../middleware/authenticate.js';
import { corsAllowList } from '../middleware/cors-allow-list.js';
import { toApiError } from '../middleware/error-handler.js';
import { CALLER_SECURITY, type ApiRegistry } from '../openapi/api-registry.js';
import { errorResponses, json } from '../openapi/error-responses.js';
import { checkoutResultSchema } from '../schemas/checkout-schemas.js';
import { validateBody } from '../validate-body.js';

interface ParsedCheckout {
  request: CheckoutRequest;
  idempotencyKey: string | undefined;
}

/** POST /top-up/checkout: a hosted Stripe Checkout page for a top-up (amount or pack). */
export function checkoutRoutes(deps: { topUps: TopUpDeps; authenticator: Authenticator; config: Config; metrics: Metrics; limits: RouteLimits }): Router {
  const router = Router();
  const schema = checkoutBodySchema(deps.config.topUp, deps.config.checkout.returnOrigins);
  const cors = corsAllowList(deps.config.auth.corsAllowedOrigins);

  const parse: RequestHandler = (req, res, next) => {
    const caller = callerOf(res);
    const body = validateBody(schema, req.body);
    const customerId = body.customer_id ?? (caller.kind === 'jwt' ? caller.customerId : undefined);
    if (!customerId) {
      throw new ApiError('validation_failed', 'Invalid request: customer_id: required for API-key callers', {
        fields: [{ field: 'customer_id', problem: 'required for API-key callers' }],
      });
    }
    if (!mayActFor(caller, customerId)) throw new ApiError('forbidden', 'You may only top up your own customer account.');
    const key = req.get('idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new ApiError('validation_failed', 'Invalid request: Idempotency-Key: expected 1-200 printable ASCII characters', {
        fields: [{ field: 'Idempotency-Key', problem: 'expected 1-200 printable ASCII characters' }],
      });
    }
    const parsed: ParsedCheckout = {
      request: {
        customerId,
        purchase: purchaseOf(body),
        subscriptionId: body.subscription_id ?? null,
        successUrl: body.success_url,
        cancelUrl: body.cancel_url,
        saveCard: body.save_card,
      },
      idempotencyKey: key,
    };
    res.locals.checkout = parsed;
    setActingCustomer(res, customerId);
    next();
  };

  router.options('/top-up/checkout', cors);
  router.post(
    '/top-up/checkout',
    cors,
    authenticate(deps.authenticator),
    deps.limits.perCaller,
    express.json({ limit: '16kb', type: () => true }),
    parse,
    deps.limits.topUpsPerCustomer,
    async (req, res) => {
      const { request, idempotencyKey } = res.locals.checkout as ParsedCheckout;
      try {
        const result = await createCheckout({ ...deps.topUps, logger: req.log }, callerOf(res), request, idempotencyKey);
        deps.metrics.topUps.inc({ outcome: 'checkout_open' });
        res.status(201).json(result);
      } catch (err) {
        deps.metrics.topUps.inc({ outcome: toApiError(err).code });
        throw err;
      }
    },
  );
  return router;
}

/** The OpenAPI paths of checkoutRoutes (see openapi/api-registry.ts). */
export function describeCheckoutRoutes(api: ApiRegistry, topUp: Config['topUp'], returnOrigins: readonly string[]): void {
  api.registerPath({
    method: 'post',
    path: '/top-up/checkout',
    operationId: 'createCheckout',
    tags: ['Top-ups'],
    summary: 'A hosted Stripe Checkout page for a top-up (an amount or a pack); the credit follows the payment',
    description:
      'success_url and cancel_url must be https (http only on localhost) on one of CHECKOUT_RETURN_ORIGINS. ' +
      'Poll GET /top-ups/{checkout_session_id} for the payment and its credit.',
    security: CALLER_SECURITY,
    request: {
      headers: z.object({
        'Idempotency-Key': z
          .string()
          .regex(IDEMPOTENCY_KEY)
          .optional()
          .meta({ description: 'Retrying with the same key and body answers the same session.' }),
      }),
      body: { required: true, content: { 'application/json': { schema: checkoutBodySchema(topUp, returnOrigins) } } },
    },
    responses: {
      201: json('The Checkout Session created (or replayed for the same Idempotency-Key)', checkoutResultSchema),
      ...errorResponses(
        'validation_failed', 'invalid_json', 'payload_too_large', 'unauthenticated', 'forbidden', 'idempotency_key_reused', 'rate_limited',
        'customer_not_found', 'company_not_mapped', 'subscription_not_owned', 'payment_rejected',
        'stripe_unavailable', 'stripe_misconfigured', 'store_unavailable',
      ),
    },
  });
}
