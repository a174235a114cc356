import { Router } from 'express';
import { z } from 'zod';
import type { Authenticator } from '../../auth/authenticator.js';
import { getBalance, type BalanceDeps } from '../../balances/get-balance.js';
import type { RouteLimits } from '../../rate-limits/route-limits.js';
import { stripeId } from '../../stripe/stripe-ids.js';
import { ApiError } from '../api-error.js';
import { authenticate, callerOf } from '../middleware/authenticate.js';
import { corsAllowList } from '../middleware/cors-allow-list.js';
import { CALLER_SECURITY, type ApiRegistry } from '../openapi/api-registry.js';
import { errorResponses, json } from '../openapi/error-responses.js';
import { balanceSchema } from '../schemas/balance-schemas.js';
import { validateBody } from '../validate-body.js';

const query = z.object({
  customer_id: stripeId('customer').optional(),
  subscription_id: stripeId('subscription').optional(),
});

/** GET /balance: the caller's (JWT) or the named customer's (API key) Moesif balance and top-ups in flight. */
export function balanceRoutes(deps: {
  balances: BalanceDeps;
  authenticator: Authenticator;
  corsOrigins: readonly string[];
  limits: RouteLimits;
}): Router {
  const router = Router();
  const cors = corsAllowList(deps.corsOrigins);
  router.options('/balance', cors);
  router.get('/balance', cors, authenticate(deps.authenticator), deps.limits.perCaller, async (req, res) => {
    const caller = callerOf(res);
    const params = validateBody(query, { ...req.query });
    const customerId = params.customer_id ?? (caller.kind === 'jwt' ? caller.customerId : undefined);
    if (!customerId) {
      throw new ApiError('validation_failed', 'Invalid request: customer_id: required for API-key callers', {
        fields: [{ field: 'customer_id', problem: 'required for API-key callers' }],
      });
    }
    res.json(await getBalance(deps.balances, caller, customerId, params.subscription_id));
  });
  return router;
}

/** The OpenAPI paths of balanceRoutes (see openapi/api-registry.ts). */
export function describeBalanceRoutes(api: ApiRegistry): void {
  api.registerPath({
    method: 'get',
    path: '/balance',
    operationId: 'getBalance',
    tags: ['Balance'],
    summary: 'A customer\'s Moesif balance and the top-ups on their way to it',
    description: 'customer_id is required for API-key callers; a JWT caller gets (only) its own customer.',
    security: CALLER_SECURITY,
    request: { query },
    responses: {
      200: json('The balance', balanceSchema),
      ...errorResponses(
        'validation_failed', 'unauthenticated', 'forbidden', 'not_found', 'rate_limited', 'subscription_unresolved', 'subscription_not_owned',
        'stripe_unavailable', 'stripe_misconfigured', 'moesif_unavailable', 'store_unavailable',
      ),
    },
  });
}
