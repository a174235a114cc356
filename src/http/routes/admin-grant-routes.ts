import express, { Router, type Request } from 'express';
import type { CreditRates } from '../../money/moesif-amount.js';
import { ledgerEntryView } from '../../history/ledger-view.js';
import { adjustCredits, grantPromotion, type GrantDeps, type GrantResult } from '../../promotions/grant-credits.js';
import { adjustBody, grantBody } from '../../promotions/grant-request.js';
import { IDEMPOTENCY_KEY } from '../../top-ups/idempotency.js';
import { ApiError } from '../api-error.js';
import { requireBearer } from '../middleware/require-bearer.js';
import { validateBody } from '../validate-body.js';

/** Required here: without it a retried grant could grant twice. */
function idempotencyKeyOf(req: Request): string {
  const key = req.get('idempotency-key');
  if (key === undefined || !IDEMPOTENCY_KEY.test(key)) {
    const problem = key === undefined ? 'required: a retried grant with the same key is one grant' : 'expected 1-200 printable ASCII characters';
    throw new ApiError('validation_failed', `Invalid request: Idempotency-Key: ${problem}`, { fields: [{ field: 'Idempotency-Key', problem }] });
  }
  return key;
}

/**
 * POST /admin/grants (promotional credits) and POST /admin/adjustments (signed corrections),
 * behind ADMIN_API_KEY only: top-up API keys and browser tokens never reach them. 201 when
 * queued, 200 when the Idempotency-Key was used before with the same body.
 */
export function adminGrantRoutes(deps: { grants: GrantDeps; adminApiKey: string; creditRates: CreditRates }): Router {
  const router = Router();
  const guard = [requireBearer(deps.adminApiKey), express.json({ limit: '16kb', type: () => true })];
  const answer = (result: GrantResult) => ledgerEntryView(result.entry, deps.creditRates, null);

  router.post('/admin/grants', ...guard, async (req, res) => {
    const body = validateBody(grantBody, req.body);
    const key = idempotencyKeyOf(req);
    const result = await grantPromotion(deps.grants, {
      customerId: body.customer_id,
      subscriptionId: body.subscription_id,
      microCredits: body.amount,
      activeAt: body.active_at,
      expireAt: body.expire_at,
      reason: body.reason,
      idempotencyKey: key,
    });
    res.status(result.created ? 201 : 200).json(answer(result));
  });

  router.post('/admin/adjustments', ...guard, async (req, res) => {
    const body = validateBody(adjustBody, req.body);
    const key = idempotencyKeyOf(req);
    const result = await adjustCredits(deps.grants, {
      customerId: body.customer_id,
      subscriptionId: body.subscription_id,
      microCredits: body.amount,
      reason: body.reason,
      idempotencyKey: key,
    });
    res.status(result.created ? 201 : 200).json(answer(result));
  });

  return router;
}
