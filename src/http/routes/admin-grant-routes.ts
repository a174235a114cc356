import express, { Router, type Request } from 'express';
import { z } from 'zod';
import type { CreditRates } from '../../money/moesif-amount.js';
import { ledgerEntryView } from '../../history/ledger-view.js';
import { adjustCredits, grantPromotion, type GrantDeps, type GrantResult } from '../../promotions/grant-credits.js';
import { adjustBody, grantBody } from '../../promotions/grant-request.js';
import { IDEMPOTENCY_KEY } from '../../top-ups/idempotency.js';
import { ApiError } from '../api-error.js';
import { requireBearer } from '../middleware/require-bearer.js';
import { SECURITY, type ApiRegistry } from '../openapi/api-registry.js';
import { errorResponses, json } from '../openapi/error-responses.js';
import { ledgerEntrySchema } from '../schemas/history-schemas.js';
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

/** The OpenAPI paths of adminGrantRoutes (see openapi/api-registry.ts). */
export function describeAdminGrantRoutes(api: ApiRegistry): void {
  const common = { tags: ['Admin'], security: [{ [SECURITY.adminKey]: [] }] };
  const headers = z.object({
    'Idempotency-Key': z
      .string()
      .regex(IDEMPOTENCY_KEY)
      .meta({ description: 'Required: retrying with the same key and body answers the first entry and never grants twice.' }),
  });
  const responses = {
    201: json('Queued for Moesif', ledgerEntrySchema),
    200: json('The entry queued before with this Idempotency-Key and the same body', ledgerEntrySchema),
    ...errorResponses(
      'validation_failed', 'invalid_json', 'payload_too_large', 'unauthenticated', 'idempotency_key_reused', 'customer_not_found',
      'company_not_mapped', 'subscription_not_owned', 'stripe_unavailable', 'stripe_misconfigured', 'store_unavailable',
    ),
  };
  api.registerPath({
    ...common,
    method: 'post',
    path: '/admin/grants',
    operationId: 'grantPromotion',
    summary: 'Grant promotional credits (Moesif type promotion), optionally active from / expiring at a time',
    request: { headers, body: { required: true, content: { 'application/json': { schema: grantBody } } } },
    responses,
  });
  api.registerPath({
    ...common,
    method: 'post',
    path: '/admin/adjustments',
    operationId: 'adjustCredits',
    summary: 'A signed correction of a customer\'s credits (Moesif type adjustment), with its reason',
    request: { headers, body: { required: true, content: { 'application/json': { schema: adjustBody } } } },
    responses,
  });
}
