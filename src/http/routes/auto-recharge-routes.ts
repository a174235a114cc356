import express, { Router, type Response } from 'express';
import { z } from 'zod';
import type { Authenticator } from '../../auth/authenticator.js';
import type { Caller } from '../../auth/caller.js';
import type { AutoRechargeDeps } from '../../auto-recharge/auto-recharge-deps.js';
import { deleteSetting, getSetting, putSetting } from '../../auto-recharge/manage-setting.js';
import { settingBodySchema } from '../../auto-recharge/setting-request.js';
import type { Config } from '../../config/config.js';
import { setActingCustomer, type RouteLimits } from '../../rate-limits/route-limits.js';
import { stripeId } from '../../stripe/stripe-ids.js';
import { ApiError } from '../api-error.js';
import { authenticate, callerOf } from '../middleware/authenticate.js';
import { corsAllowList } from '../middleware/cors-allow-list.js';
import { CALLER_SECURITY, type ApiRegistry } from '../openapi/api-registry.js';
import { errorResponses, json } from '../openapi/error-responses.js';
import { validateBody } from '../validate-body.js';

const query = z.strictObject(
  { customer_id: stripeId('customer').optional(), subscription_id: stripeId('subscription').optional() },
  { message: 'unknown field' },
);

/** The customer a request acts for: its own for a JWT caller, the named one for an API key. */
function customerFor(caller: Caller, named: string | undefined, res: Response): string {
  const customerId = named ?? (caller.kind === 'jwt' ? caller.customerId : undefined);
  if (!customerId) {
    throw new ApiError('validation_failed', 'Invalid request: customer_id: required for API-key callers', {
      fields: [{ field: 'customer_id', problem: 'required for API-key callers' }],
    });
  }
  if (caller.kind === 'jwt' && caller.customerId !== customerId) throw new ApiError('forbidden', 'You may only manage your own auto-recharge.');
  setActingCustomer(res, customerId);
  return customerId;
}

/** PUT / GET / DELETE /auto-recharge, with the same authentication as /top-up. */
export function autoRechargeRoutes(deps: { autoRecharge: AutoRechargeDeps; authenticator: Authenticator; config: Config; limits: RouteLimits }): Router {
  const router = Router();
  const schema = settingBodySchema(deps.config.topUp);
  const cors = corsAllowList(deps.config.auth.corsAllowedOrigins);
  const auth = authenticate(deps.authenticator);
  const editsPerCustomer = deps.limits.perCustomer('auto-recharge-edits-per-customer', deps.config.rateLimits.topUpsPerCustomerPerMinute);

  router.options('/auto-recharge', cors);
  router.put('/auto-recharge', cors, auth, deps.limits.perCaller, express.json({ limit: '16kb', type: () => true }), async (req, res, next) => {
    const caller = callerOf(res);
    const body = validateBody(schema, req.body);
    res.locals.autoRecharge = { customerId: customerFor(caller, body.customer_id, res), body };
    next();
  }, editsPerCustomer, async (_req, res) => {
    const { customerId, body } = res.locals.autoRecharge as { customerId: string; body: z.output<typeof schema> };
    res.json(await putSetting(deps.autoRecharge, callerOf(res), customerId, body));
  });

  router.get('/auto-recharge', cors, auth, deps.limits.perCaller, async (req, res) => {
    const caller = callerOf(res);
    const q = validateBody(query, { ...req.query });
    res.json(await getSetting(deps.autoRecharge, caller, customerFor(caller, q.customer_id, res), q.subscription_id));
  });

  router.delete('/auto-recharge', cors, auth, deps.limits.perCaller, async (req, res) => {
    const caller = callerOf(res);
    const q = validateBody(query, { ...req.query });
    await deleteSetting(deps.autoRecharge, caller, customerFor(caller, q.customer_id, res), q.subscription_id);
    res.status(204).end();
  });

  return router;
}

const settingViewSchema = z
  .looseObject({
    customer_id: z.string(),
    subscription_id: z.string(),
    enabled: z.boolean(),
    state: z.enum(['active', 'requires_action', 'suspended', 'cap_reached', 'disabled']),
    charged_this_month: z.number().int(),
  })
  .meta({ id: 'AutoRechargeSetting', description: 'The setting, its state, the last attempts and the history of changes (see the README).' });

/** The OpenAPI paths of autoRechargeRoutes (see openapi/api-registry.ts). */
export function describeAutoRechargeRoutes(api: ApiRegistry, topUp: Config['topUp']): void {
  const common = { tags: ['Auto-recharge'], security: CALLER_SECURITY };
  const errors = ['validation_failed', 'unauthenticated', 'forbidden', 'not_found', 'rate_limited', 'subscription_unresolved', 'subscription_not_owned', 'stripe_unavailable', 'stripe_misconfigured', 'store_unavailable'] as const;
  api.registerPath({
    ...common,
    method: 'put',
    path: '/auto-recharge',
    operationId: 'putAutoRecharge',
    summary: 'Create or change a subscription\'s auto-recharge (enabling needs the customer\'s consent); evaluated at once',
    request: { body: { content: { 'application/json': { schema: settingBodySchema(topUp) } } } },
    responses: { 200: json('The setting as stored, after its first evaluation', settingViewSchema), ...errorResponses(...errors, 'invalid_json', 'customer_not_found', 'company_not_mapped', 'no_payment_method', 'moesif_unavailable') },
  });
  api.registerPath({
    ...common,
    method: 'get',
    path: '/auto-recharge',
    operationId: 'getAutoRecharge',
    summary: 'A subscription\'s auto-recharge: state, attempts, what was charged this month, history',
    request: { query },
    responses: { 200: json('The setting', settingViewSchema), ...errorResponses(...errors) },
  });
  api.registerPath({
    ...common,
    method: 'delete',
    path: '/auto-recharge',
    operationId: 'deleteAutoRecharge',
    summary: 'Remove a subscription\'s auto-recharge (attempts and history are kept)',
    request: { query },
    responses: { 204: { description: 'Removed' }, ...errorResponses(...errors) },
  });
}
