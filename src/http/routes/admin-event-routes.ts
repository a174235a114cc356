import { Router } from 'express';
import { z } from 'zod';
import { listOutgoingEvents, replayDeadEvents, replayEvent } from '../../admin/event-actions.js';
import type { AdminDeps } from '../../admin/admin-actions.js';
import { ApiError } from '../api-error.js';
import { requireBearer } from '../middleware/require-bearer.js';
import { SECURITY, type ApiRegistry } from '../openapi/api-registry.js';
import { errorResponses, json } from '../openapi/error-responses.js';
import { outgoingEventRowSchema } from '../schemas/admin-schemas.js';
import { validateBody } from '../validate-body.js';

/** Outgoing event ids: `msg_` and 32 hex digits (outgoing-events.ts). */
const EVENT_ID = /^msg_[0-9a-f]{32}$/;

export const outgoingEventsQuery = z.strictObject({
  state: z.enum(['pending', 'delivered', 'dead'], { message: 'expected pending, delivered or dead' }).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});
const replayAllQuery = z.strictObject({ state: z.literal('dead', { message: 'expected dead' }).default('dead') });

/** The operator's view of outgoing events, behind ADMIN_API_KEY: list them, replay them. */
export function adminEventRoutes(deps: { admin: AdminDeps; adminApiKey: string }): Router {
  const router = Router();
  router.use('/admin/outgoing-events', requireBearer(deps.adminApiKey));

  router.get('/admin/outgoing-events', async (req, res) => {
    const q = validateBody(outgoingEventsQuery, { ...req.query });
    res.json({ events: await listOutgoingEvents(deps.admin, q.state, q.limit) });
  });

  router.post('/admin/outgoing-events/replay', async (req, res) => {
    validateBody(replayAllQuery, { ...req.query });
    res.json({ requeued: await replayDeadEvents(deps.admin) });
  });

  router.get('/admin/outgoing-events/:event_id', async (req, res) => {
    const id = String(req.params.event_id);
    const rows = EVENT_ID.test(id) ? await deps.admin.store.eventsOut.get(id) : [];
    if (rows.length === 0) throw new ApiError('not_found', 'No such outgoing event.');
    res.json({ event_id: id, deliveries: rows });
  });

  router.post('/admin/outgoing-events/:event_id/replay', async (req, res) => {
    const id = String(req.params.event_id);
    const n = EVENT_ID.test(id) ? await replayEvent(deps.admin, id) : 0;
    if (n === 0) throw new ApiError('not_found', 'No delivered or dead outgoing event with that id.');
    res.json({ requeued: n, event_id: id });
  });

  return router;
}

/** The OpenAPI paths of adminEventRoutes (see openapi/api-registry.ts). */
export function describeAdminEventRoutes(api: ApiRegistry): void {
  const common = { tags: ['Admin'], security: [{ [SECURITY.adminKey]: [] }] };
  const event = z.object({ event_id: z.string().regex(EVENT_ID) });
  api.registerPath({
    ...common,
    method: 'get',
    path: '/admin/outgoing-events',
    operationId: 'listOutgoingEvents',
    summary: 'Outgoing events (one row per destination), most recently changed first',
    request: { query: outgoingEventsQuery },
    responses: {
      200: json('The events', z.strictObject({ events: z.array(outgoingEventRowSchema) })),
      ...errorResponses('validation_failed', 'unauthenticated', 'store_unavailable'),
    },
  });
  api.registerPath({
    ...common,
    method: 'post',
    path: '/admin/outgoing-events/replay',
    operationId: 'replayDeadOutgoingEvents',
    summary: 'Send every dead outgoing event again, with its original id',
    request: { query: replayAllQuery },
    responses: {
      200: json('How many deliveries were requeued', z.strictObject({ requeued: z.number().int() })),
      ...errorResponses('validation_failed', 'unauthenticated', 'store_unavailable'),
    },
  });
  api.registerPath({
    ...common,
    method: 'get',
    path: '/admin/outgoing-events/{event_id}',
    operationId: 'getOutgoingEvent',
    summary: 'One outgoing event: its delivery to each destination',
    request: { params: event },
    responses: {
      200: json('The event', z.strictObject({ event_id: z.string(), deliveries: z.array(outgoingEventRowSchema) })),
      ...errorResponses('unauthenticated', 'not_found', 'store_unavailable'),
    },
  });
  api.registerPath({
    ...common,
    method: 'post',
    path: '/admin/outgoing-events/{event_id}/replay',
    operationId: 'replayOutgoingEvent',
    summary: 'Send a delivered or dead outgoing event again, with its original id, to each destination',
    request: { params: event },
    responses: {
      200: json('Requeued', z.strictObject({ requeued: z.number().int(), event_id: z.string() })),
      ...errorResponses('unauthenticated', 'not_found', 'store_unavailable'),
    },
  });
}
