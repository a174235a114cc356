import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Authenticator } from '../../auth/authenticator.js';
import { listLedger, listTopUps, type HistoryDeps } from '../../history/list-history.js';
import type { RouteLimits } from '../../rate-limits/route-limits.js';
import { stripeId } from '../../stripe/stripe-ids.js';
import { ApiError } from '../api-error.js';
import { authenticate, callerOf } from '../middleware/authenticate.js';
import { corsAllowList } from '../middleware/cors-allow-list.js';
import { CALLER_SECURITY, type ApiRegistry } from '../openapi/api-registry.js';
import { errorResponses, json } from '../openapi/error-responses.js';
import { ledgerListSchema, topUpListSchema } from '../schemas/history-schemas.js';
import { validateBody } from '../validate-body.js';

/** Stripe's list parameters: 1-100 items (default 10), and the id of the last item already seen. */
const page = {
  limit: z.coerce.number({ message: 'expected an integer from 1 to 100' }).int().min(1).max(100).default(10),
  starting_after: z
    .string()
    .regex(/^[A-Za-z0-9_:]{1,300}$/, 'expected the id of an entry of a previous page')
    .optional(),
};
export const ledgerQuery = z.strictObject({
  customer_id: stripeId('customer').optional(),
  subscription_id: stripeId('subscription').optional(),
  ...page,
});
export const topUpsQuery = z.strictObject({ customer_id: stripeId('customer').optional(), ...page });

/** The customer a request reads: a JWT caller's own, or the one an API-key caller names. */
function customerOf(res: Response, named: string | undefined): string {
  const caller = callerOf(res);
  const customerId = named ?? (caller.kind === 'jwt' ? caller.customerId : undefined);
  if (!customerId) {
    throw new ApiError('validation_failed', 'Invalid request: customer_id: required for API-key callers', {
      fields: [{ field: 'customer_id', problem: 'required for API-key callers' }],
    });
  }
  return customerId;
}

const queryOf = (req: Request) => ({ ...req.query });

/** GET /ledger and GET /top-ups: a customer's history, newest first, with Stripe-style cursors. */
export function historyRoutes(deps: {
  history: HistoryDeps;
  authenticator: Authenticator;
  corsOrigins: readonly string[];
  limits: RouteLimits;
}): Router {
  const router = Router();
  const cors = corsAllowList(deps.corsOrigins);
  const guard = [cors, authenticate(deps.authenticator), deps.limits.perCaller];
  router.options(['/ledger', '/top-ups'], cors);
  router.get('/ledger', ...guard, async (req, res) => {
    const q = validateBody(ledgerQuery, queryOf(req));
    const customerId = customerOf(res, q.customer_id);
    res.json(
      await listLedger(deps.history, callerOf(res), customerId, {
        limit: q.limit,
        startingAfter: q.starting_after,
        subscriptionId: q.subscription_id,
      }),
    );
  });
  router.get('/top-ups', ...guard, async (req, res) => {
    const q = validateBody(topUpsQuery, queryOf(req));
    const customerId = customerOf(res, q.customer_id);
    res.json(await listTopUps(deps.history, callerOf(res), customerId, { limit: q.limit, startingAfter: q.starting_after }));
  });
  return router;
}

/** The OpenAPI paths of historyRoutes (see openapi/api-registry.ts). */
export function describeHistoryRoutes(api: ApiRegistry): void {
  const common = {
    tags: ['History'],
    security: CALLER_SECURITY,
    description: 'customer_id is required for API-key callers; a JWT caller gets (only) its own customer. Page with starting_after = next_starting_after.',
  };
  const errors = errorResponses('validation_failed', 'unauthenticated', 'forbidden', 'rate_limited', 'store_unavailable');
  api.registerPath({
    ...common,
    method: 'get',
    path: '/ledger',
    operationId: 'listLedger',
    summary: 'A customer\'s ledger entries (credits, debits, promotions, adjustments), newest first',
    request: { query: ledgerQuery },
    responses: { 200: json('One page of entries', ledgerListSchema), ...errors },
  });
  api.registerPath({
    ...common,
    method: 'get',
    path: '/top-ups',
    operationId: 'listTopUps',
    summary: 'A customer\'s top-ups, newest first',
    request: { query: topUpsQuery },
    responses: { 200: json('One page of top-ups', topUpListSchema), ...errors },
  });
}
