import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Authenticator } from '../../auth/authenticator.js';
import { mayActFor } from '../../auth/caller.js';
import type { Config } from '../../config/config.js';
import type { Metrics } from '../../metrics/metrics.js';
import { setActingCustomer, type RouteLimits } from '../../rate-limits/route-limits.js';
import { isStripeId, stripeId } from '../../stripe/stripe-ids.js';
import { createTopUp, type TopUpDeps } from '../../top-ups/create-top-up.js';
import { IDEMPOTENCY_KEY } from '../../top-ups/idempotency.js';
import { purchaseOf, topUpBodySchema } from '../../top-ups/top-up-request.js';
import type { TopUpRequest } from '../../top-ups/top-up-request.js';
import { getTopUpStatus } from '../../top-ups/top-up-status.js';
import { getCheckoutStatus } from '../../checkout/checkout-status.js';
import { ApiError } from '../api-error.js';
import { authenticate, callerOf } from '../middleware/authenticate.js';
import { corsAllowList } from '../middleware/cors-allow-list.js';
import { toApiError } from '../middleware/error-handler.js';
import { CALLER_SECURITY, type ApiRegistry } from '../openapi/api-registry.js';
import { errorResponses, json } from '../openapi/error-responses.js';
import { checkoutStatusSchema } from '../schemas/checkout-schemas.js';
import { topUpResultSchema, topUpStatusSchema } from '../schemas/top-up-schemas.js';
import { validateBody } from '../validate-body.js';

interface ParsedTopUp {
  request: TopUpRequest;
  idempotencyKey: string | undefined;
}

/** POST /top-up and GET /top-ups/:payment_intent_id, for the operator's servers and frontends. */
export function topUpRoutes(deps: { topUps: TopUpDeps; authenticator: Authenticator; config: Config; metrics: Metrics; limits: RouteLimits }): Router {
  const router = Router();
  const schema = topUpBodySchema(deps.config.topUp);
  const cors = corsAllowList(deps.config.auth.corsAllowedOrigins);
  const auth = authenticate(deps.authenticator);

  /** Validates the body and header and names the customer (for the per-customer limit). */
  const parseTopUp: RequestHandler = (req, res, next) => {
    const caller = callerOf(res);
    const body = validateBody(schema, req.body);
    const customerId = body.customer_id ?? (caller.kind === 'jwt' ? caller.customerId : undefined);
    if (!customerId) {
      throw new ApiError('validation_failed', 'Invalid request: customer_id: required for API-key callers', {
        fields: [{ field: 'customer_id', problem: 'required for API-key callers' }],
      });
    }
    if (!mayActFor(caller, customerId)) {
      throw new ApiError('forbidden', 'You may only top up your own customer account.');
    }
    const key = req.get('idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new ApiError('validation_failed', 'Invalid request: Idempotency-Key: expected 1-200 printable ASCII characters', {
        fields: [{ field: 'Idempotency-Key', problem: 'expected 1-200 printable ASCII characters' }],
      });
    }
    const parsed: ParsedTopUp = {
      request: {
        customerId,
        purchase: purchaseOf(body),
        paymentMethodId: body.payment_method ?? null,
        subscriptionId: body.subscription_id ?? null,
        flow: body.flow,
      },
      idempotencyKey: key,
    };
    res.locals.topUp = parsed;
    setActingCustomer(res, customerId);
    next();
  };

  router.options(['/top-up', '/top-ups/:payment_intent_id'], cors);

  router.post(
    '/top-up',
    cors,
    auth,
    deps.limits.perCaller,
    express.json({ limit: '16kb', type: () => true }),
    parseTopUp,
    deps.limits.topUpsPerCustomer,
    async (req, res) => {
      const { request, idempotencyKey } = res.locals.topUp as ParsedTopUp;
      let result;
      try {
        result = await createTopUp({ ...deps.topUps, logger: req.log }, callerOf(res), request, idempotencyKey);
      } catch (err) {
        deps.metrics.topUps.inc({ outcome: toApiError(err).code });
        throw err;
      }
      deps.metrics.topUps.inc({ outcome: result.status });
      res.status(201).json(result);
    },
  );

  router.get('/top-ups/:payment_intent_id', cors, auth, deps.limits.perCaller, async (req, res) => {
    const id = String(req.params.payment_intent_id);
    if (isStripeId('checkoutSession', id)) {
      res.json(await getCheckoutStatus(deps.topUps, callerOf(res), id));
      return;
    }
    if (!isStripeId('paymentIntent', id)) throw new ApiError('not_found', 'No such top-up.');
    res.json(await getTopUpStatus(deps.topUps, callerOf(res), id));
  });

  return router;
}

/** The OpenAPI paths of topUpRoutes (see openapi/api-registry.ts). */
export function describeTopUpRoutes(api: ApiRegistry, settings: Config['topUp']): void {
  api.registerPath({
    method: 'post',
    path: '/top-up',
    operationId: 'createTopUp',
    tags: ['Top-ups'],
    summary: 'Charge a customer and credit their Moesif balance once the payment succeeds',
    security: CALLER_SECURITY,
    request: {
      headers: z.object({
        'Idempotency-Key': z
          .string()
          .regex(IDEMPOTENCY_KEY)
          .optional()
          .meta({ description: 'Retrying with the same key and body answers the first result and never charges twice.' }),
      }),
      body: { required: true, content: { 'application/json': { schema: topUpBodySchema(settings) } } },
    },
    responses: {
      201: json('The PaymentIntent created (or replayed for the same Idempotency-Key)', topUpResultSchema),
      ...errorResponses(
        'validation_failed', 'invalid_json', 'payload_too_large', 'unauthenticated', 'forbidden', 'idempotency_key_reused', 'rate_limited',
        'customer_not_found', 'no_payment_method', 'company_not_mapped', 'payment_rejected', 'subscription_not_owned',
        'authentication_required', 'card_declined', 'stripe_unavailable', 'stripe_misconfigured', 'store_unavailable',
      ),
    },
  });
  api.registerPath({
    method: 'get',
    path: '/top-ups/{payment_intent_id}',
    operationId: 'getTopUp',
    tags: ['Top-ups'],
    summary: 'The Stripe status of a top-up (a PaymentIntent or a hosted Checkout Session) and where its credit stands',
    description: 'A pi_… id answers a TopUpStatus; a cs_… id (from POST /top-up/checkout) answers a CheckoutStatus. Other customers\' top-ups are 404.',
    security: CALLER_SECURITY,
    request: {
      params: z.object({
        payment_intent_id: z
          .union([stripeId('paymentIntent'), stripeId('checkoutSession')])
          .meta({ description: 'A PaymentIntent id (pi_…) from POST /top-up or a Checkout Session id (cs_…) from POST /top-up/checkout.' }),
      }),
    },
    responses: {
      200: json('The top-up', z.union([topUpStatusSchema, checkoutStatusSchema])),
      ...errorResponses('unauthenticated', 'not_found', 'rate_limited', 'stripe_unavailable', 'stripe_misconfigured', 'store_unavailable'),
    },
  });
}
