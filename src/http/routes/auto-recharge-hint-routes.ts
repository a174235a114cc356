import express, { Router } from 'express';
import { z } from 'zod';
import type { AutoRechargeDeps } from '../../auto-recharge/auto-recharge-deps.js';
import { applyHint, HINT_MAX_SUBSCRIPTIONS } from '../../auto-recharge/hint.js';
import { stripeId } from '../../stripe/stripe-ids.js';
import { requireBearer } from '../middleware/require-bearer.js';
import type { ApiRegistry } from '../openapi/api-registry.js';
import { errorResponses, json } from '../openapi/error-responses.js';
import { validateBody } from '../validate-body.js';

const body = z
  .strictObject(
    {
      company_ids: z.array(z.string().min(1).max(255), { message: 'expected a list of Moesif company ids' }).max(HINT_MAX_SUBSCRIPTIONS).default([]),
      subscription_ids: z.array(stripeId('subscription')).max(HINT_MAX_SUBSCRIPTIONS).default([]),
    },
    { message: 'unknown field' },
  );

/**
 * POST /auto-recharge/hint (bearer AUTO_RECHARGE_HINT_TOKEN): a Moesif cohort webhook says some
 * companies are low; their balances are read now. Answers which decision each evaluation made
 * (subscription ids only: what the hint's sender named, nothing about other customers).
 */
export function autoRechargeHintRoutes(deps: { autoRecharge: AutoRechargeDeps; hintToken: string }): Router {
  const router = Router();
  router.post('/auto-recharge/hint', requireBearer(deps.hintToken), express.json({ limit: '64kb', type: () => true }), async (req, res) => {
    const hint = validateBody(body, req.body);
    const decisions = await applyHint(deps.autoRecharge, hint.company_ids, hint.subscription_ids);
    res.status(202).json({ evaluated: Object.keys(decisions).length });
  });
  return router;
}

/** The OpenAPI path of autoRechargeHintRoutes (present only with AUTO_RECHARGE_HINT_TOKEN). */
export function describeAutoRechargeHintRoutes(api: ApiRegistry): void {
  api.registerComponent('securitySchemes', 'autoRechargeHintToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'AUTO_RECHARGE_HINT_TOKEN, for a Moesif cohort webhook.',
  });
  api.registerPath({
    method: 'post',
    path: '/auto-recharge/hint',
    operationId: 'autoRechargeHint',
    tags: ['Auto-recharge'],
    summary: 'Companies are low (a Moesif cohort notification): read their balances now; never taken as a balance',
    security: [{ autoRechargeHintToken: [] }],
    request: { body: { content: { 'application/json': { schema: body } } } },
    responses: {
      202: json('How many subscriptions were evaluated', z.strictObject({ evaluated: z.number().int() })),
      ...errorResponses('validation_failed', 'invalid_json', 'unauthenticated'),
    },
  });
}
