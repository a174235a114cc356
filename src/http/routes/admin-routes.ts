import { Router } from 'express';
import { z } from 'zod';
import { listDeliveries, redriveEvent, retryAll, retryDelivery, type AdminDeps } from '../../admin/admin-actions.js';
import { listPausedSettings, resumeSetting } from '../../admin/auto-recharge-admin.js';
import { parseSince } from '../../admin/parse-since.js';
import type { ReconcileResult } from '../../reconcile/reconcile-events.js';
import { isStripeId, stripeId } from '../../stripe/stripe-ids.js';
import { ApiError } from '../api-error.js';
import { requireBearer } from '../middleware/require-bearer.js';
import { SECURITY, type ApiRegistry } from '../openapi/api-registry.js';
import { errorResponses, json } from '../openapi/error-responses.js';
import { deliverySchema, reconcileResultSchema, redriveResultSchema } from '../schemas/admin-schemas.js';
import { validateBody } from '../validate-body.js';

/** Outbox transaction ids: a PaymentIntent, refund or dispute id, with the suffix of a compensation; or a grant's. */
const TRANSACTION_ID = /^(pi|re|pyr|dp|du|promo|adj)_[A-Za-z0-9_]{1,250}(:(reversed|reinstated))?$/;

const listQuery = z.object({
  state: z.enum(['pending', 'delivered', 'failed', 'dead'], { message: 'expected pending, delivered, failed or dead' }).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});
const retryAllQuery = z.object({ state: z.enum(['dead', 'failed'], { message: 'expected dead or failed' }).default('dead') });
const reconcileQuery = z.object({
  since: z.string().optional().meta({ description: 'A duration back from now (48h, 30m, 7d) or an ISO date' }),
});
const pausedQuery = z.object({
  state: z.enum(['suspended', 'requires_action'], { message: 'expected suspended or requires_action' }).default('suspended'),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});

/**
 * The operator's API, behind ADMIN_API_KEY: see deliveries with their reasons, replay them,
 * re-drive a Stripe event, run a reconciliation sweep now. Absent when no key is configured.
 */
export function adminRoutes(deps: {
  admin: AdminDeps;
  adminApiKey: string;
  reconcileNow: (sinceSeconds?: number) => Promise<ReconcileResult>;
}): Router {
  const router = Router();
  router.use('/admin', requireBearer(deps.adminApiKey));

  router.get('/admin/deliveries', async (req, res) => {
    const q = validateBody(listQuery, { ...req.query });
    res.json({ deliveries: await listDeliveries(deps.admin, q.state, q.limit) });
  });

  router.get('/admin/deliveries/:transaction_id', async (req, res) => {
    const id = String(req.params.transaction_id);
    if (!TRANSACTION_ID.test(id)) throw new ApiError('not_found', 'No such delivery.');
    const entry = await deps.admin.store.outbox.get(id);
    if (!entry) throw new ApiError('not_found', 'No such delivery.');
    res.json(entry);
  });

  router.post('/admin/deliveries/retry', async (req, res) => {
    const q = validateBody(retryAllQuery, { ...req.query });
    res.json({ requeued: await retryAll(deps.admin, q.state) });
  });

  router.post('/admin/deliveries/:transaction_id/retry', async (req, res) => {
    const id = String(req.params.transaction_id);
    if (!TRANSACTION_ID.test(id) || !(await retryDelivery(deps.admin, id))) throw new ApiError('not_found', 'No failed or dead delivery with that id.');
    res.json({ requeued: 1, transaction_id: id });
  });

  router.post('/admin/events/:event_id/redrive', async (req, res) => {
    const eventId = String(req.params.event_id);
    if (!isStripeId('event', eventId)) throw new ApiError('not_found', 'Neither the store nor Stripe has that event.');
    const result = await redriveEvent(deps.admin, eventId);
    if (result.found === 'nowhere') throw new ApiError('not_found', 'Neither the store nor Stripe has that event.');
    res.json(result);
  });

  router.get('/admin/auto-recharge', async (req, res) => {
    const q = validateBody(pausedQuery, { ...req.query });
    res.json({ subscriptions: await listPausedSettings(deps.admin.store.autoRecharge, q.state, q.limit) });
  });

  router.post('/admin/auto-recharge/:subscription_id/resume', async (req, res) => {
    const id = String(req.params.subscription_id);
    if (!isStripeId('subscription', id) || !(await resumeSetting(deps.admin.store.autoRecharge, id, 'admin', deps.admin.now()))) {
      throw new ApiError('not_found', 'No paused auto-recharge for that subscription.');
    }
    res.json({ resumed: id });
  });

  router.post('/admin/reconcile', async (req, res) => {
    const q = validateBody(reconcileQuery, { ...req.query });
    let since: number | undefined;
    if (q.since !== undefined) {
      const parsed = parseSince(q.since, Date.now());
      if (parsed === null) {
        throw new ApiError('validation_failed', 'Invalid request: since: expected a duration like 48h or an ISO date', {
          fields: [{ field: 'since', problem: 'expected a duration like 48h, 30m, 7d or an ISO date' }],
        });
      }
      since = parsed;
    }
    res.json(await deps.reconcileNow(since));
  });

  return router;
}

/** The OpenAPI paths of adminRoutes (see openapi/api-registry.ts). */
export function describeAdminRoutes(api: ApiRegistry): void {
  const common = { tags: ['Admin'], security: [{ [SECURITY.adminKey]: [] }] };
  api.registerPath({
    ...common,
    method: 'get',
    path: '/admin/auto-recharge',
    operationId: 'listPausedAutoRecharges',
    summary: 'Auto-recharge subscriptions paused (suspended or waiting for 3-D Secure), with their reasons',
    request: { query: pausedQuery },
    responses: {
      200: json('Oldest pause first', z.strictObject({ subscriptions: z.array(z.looseObject({ subscription_id: z.string(), reason: z.string() })) })),
      ...errorResponses('validation_failed', 'unauthenticated', 'store_unavailable'),
    },
  });
  api.registerPath({
    ...common,
    method: 'post',
    path: '/admin/auto-recharge/{subscription_id}/resume',
    operationId: 'resumeAutoRecharge',
    summary: 'Lift the pause of one subscription\'s auto-recharge',
    request: { params: z.object({ subscription_id: z.string() }) },
    responses: { 200: json('Resumed', z.strictObject({ resumed: z.string() })), ...errorResponses('unauthenticated', 'not_found', 'store_unavailable') },
  });
  const transaction = z.object({ transaction_id: z.string().regex(TRANSACTION_ID) });
  api.registerPath({
    ...common,
    method: 'get',
    path: '/admin/deliveries',
    operationId: 'listDeliveries',
    summary: 'Ledger entries in the outbox, with their state and last error',
    request: { query: listQuery },
    responses: {
      200: json('Newest first', z.strictObject({ deliveries: z.array(deliverySchema) })),
      ...errorResponses('validation_failed', 'unauthenticated', 'store_unavailable'),
    },
  });
  api.registerPath({
    ...common,
    method: 'get',
    path: '/admin/deliveries/{transaction_id}',
    operationId: 'getDelivery',
    summary: 'One outbox entry',
    request: { params: transaction },
    responses: { 200: json('The entry', deliverySchema), ...errorResponses('unauthenticated', 'not_found', 'store_unavailable') },
  });
  api.registerPath({
    ...common,
    method: 'post',
    path: '/admin/deliveries/retry',
    operationId: 'retryDeliveries',
    summary: 'Put every dead (or failed) entry back to pending',
    request: { query: retryAllQuery },
    responses: {
      200: json('How many were requeued', z.strictObject({ requeued: z.number().int() })),
      ...errorResponses('validation_failed', 'unauthenticated', 'store_unavailable'),
    },
  });
  api.registerPath({
    ...common,
    method: 'post',
    path: '/admin/deliveries/{transaction_id}/retry',
    operationId: 'retryDelivery',
    summary: 'Put one failed or dead entry back to pending',
    request: { params: transaction },
    responses: {
      200: json('Requeued', z.strictObject({ requeued: z.literal(1), transaction_id: z.string() })),
      ...errorResponses('unauthenticated', 'not_found', 'store_unavailable'),
    },
  });
  api.registerPath({
    ...common,
    method: 'post',
    path: '/admin/events/{event_id}/redrive',
    operationId: 'redriveEvent',
    summary: 'Run a Stripe event through the ledger rules again (from the store, else from Stripe)',
    request: { params: z.object({ event_id: stripeId('event') }) },
    responses: {
      200: json('What it queued, requeued or left alone', redriveResultSchema),
      ...errorResponses('unauthenticated', 'not_found', 'stripe_unavailable', 'stripe_misconfigured', 'store_unavailable'),
    },
  });
  api.registerPath({
    ...common,
    method: 'post',
    path: '/admin/reconcile',
    operationId: 'reconcile',
    summary: 'Sweep Stripe events since a time (or the stored cursor) and queue what is missing',
    request: { query: reconcileQuery },
    responses: {
      200: json('The sweep', reconcileResultSchema),
      ...errorResponses('validation_failed', 'unauthenticated', 'stripe_unavailable', 'stripe_misconfigured', 'store_unavailable'),
    },
  });
}
