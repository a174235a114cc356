import express, { Router } from 'express';
import type { Authenticator } from '../../auth/authenticator.js';
import { mayActFor } from '../../auth/caller.js';
import type { Config } from '../../config/config.js';
import { createTopUp, type TopUpDeps } from '../../top-ups/create-top-up.js';
import { IDEMPOTENCY_KEY } from '../../top-ups/idempotency.js';
import { topUpBodySchema } from '../../top-ups/top-up-request.js';
import { getTopUpStatus } from '../../top-ups/top-up-status.js';
import { ApiError } from '../api-error.js';
import type { Metrics } from '../../metrics/metrics.js';
import { authenticate, callerOf } from '../middleware/authenticate.js';
import { toApiError } from '../middleware/error-handler.js';
import { corsAllowList } from '../middleware/cors-allow-list.js';
import { validateBody } from '../validate-body.js';

const PAYMENT_INTENT_ID = /^pi_[A-Za-z0-9]+$/;

/** POST /top-up and GET /top-ups/:payment_intent_id, for the operator's servers and frontends. */
export function topUpRoutes(deps: { topUps: TopUpDeps; authenticator: Authenticator; config: Config; metrics: Metrics }): Router {
  const router = Router();
  const schema = topUpBodySchema(deps.config.topUp);
  const cors = corsAllowList(deps.config.auth.corsAllowedOrigins);
  const auth = authenticate(deps.authenticator);

  router.options(['/top-up', '/top-ups/:payment_intent_id'], cors);

  router.post('/top-up', cors, auth, express.json({ limit: '16kb', type: () => true }), async (req, res) => {
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
    let result;
    try {
      result = await createTopUp(
        { ...deps.topUps, logger: req.log },
        caller,
        {
          customerId,
          amountMinor: body.amount,
          currency: body.currency,
          paymentMethodId: body.payment_method ?? null,
          subscriptionId: body.subscription_id ?? null,
          flow: body.flow,
        },
        key,
      );
    } catch (err) {
      deps.metrics.topUps.inc({ outcome: toApiError(err).code });
      throw err;
    }
    deps.metrics.topUps.inc({ outcome: result.status });
    res.status(201).json(result);
  });

  router.get('/top-ups/:payment_intent_id', cors, auth, async (req, res) => {
    const id = String(req.params.payment_intent_id);
    if (!PAYMENT_INTENT_ID.test(id)) throw new ApiError('not_found', 'No such top-up.');
    res.json(await getTopUpStatus(deps.topUps, callerOf(res), id));
  });

  return router;
}
