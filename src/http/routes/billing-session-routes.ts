import express, { Router, type Request } from 'express';
import { z } from 'zod';
import type { Authenticator } from '../../auth/authenticator.js';
import { billingSessionBodySchema } from '../../billing-page/billing-session-request.js';
import { createBillingLink, type BillingSessionDeps } from '../../billing-page/billing-sessions.js';
import type { Config } from '../../config/config.js';
import type { RouteLimits } from '../../rate-limits/route-limits.js';
import { ApiError } from '../api-error.js';
import { SECURITY, type ApiRegistry } from '../openapi/api-registry.js';
import { errorResponses, json } from '../openapi/error-responses.js';
import { authenticate, callerOf } from '../middleware/authenticate.js';
import { validateBody } from '../validate-body.js';

const HOST = /^([A-Za-z0-9-]{1,63}\.)*[A-Za-z0-9-]{1,63}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;

/** Where links point: BILLING_PUBLIC_URL, else the origin this request came to. */
export function publicOrigin(req: Request, configured: string | undefined): string {
  if (configured) return configured;
  const host = req.get('host') ?? '';
  if (!HOST.test(host)) {
    throw new ApiError('validation_failed', 'Invalid request: Host: expected a host name (or set BILLING_PUBLIC_URL)', {
      fields: [{ field: 'Host', problem: 'expected a host name (or set BILLING_PUBLIC_URL)' }],
    });
  }
  return `${req.protocol}://${host}`;
}

/**
 * POST /billing-sessions: the operator's backend (API key only, like Stripe's customer portal
 * sessions) gets a single-use, 5-minute link to one customer's billing page.
 */
export function billingSessionRoutes(deps: { sessions: BillingSessionDeps; authenticator: Authenticator; config: Config; limits: RouteLimits }): Router {
  const router = Router();
  const schema = billingSessionBodySchema(deps.config.billing.returnOrigins);
  router.post(
    '/billing-sessions',
    authenticate(deps.authenticator),
    deps.limits.perCaller,
    express.json({ limit: '16kb', type: () => true }),
    async (req, res) => {
      const caller = callerOf(res);
      if (caller.kind !== 'api_key') throw new ApiError('forbidden', 'Billing sessions are created by your backend, with an API key.');
      const body = validateBody(schema, req.body);
      const origin = publicOrigin(req, deps.config.billing.publicUrl);
      const { token, expiresAt } = await createBillingLink(deps.sessions, caller, {
        customerId: body.customer_id,
        subscriptionId: body.subscription_id ?? null,
        returnUrl: body.return_url,
        locale: body.locale ?? null,
      });
      res.status(201).json({ url: `${origin}/billing/session/${token}`, expires_at: Math.floor(expiresAt / 1000) });
    },
  );
  return router;
}

/** The OpenAPI paths of billingSessionRoutes (see openapi/api-registry.ts). */
export function describeBillingSessionRoutes(api: ApiRegistry, returnOrigins: readonly string[]): void {
  api.registerPath({
    method: 'post',
    path: '/billing-sessions',
    operationId: 'createBillingSession',
    tags: ['Billing page'],
    summary: 'A single-use, 5-minute link to one customer\'s billing page',
    description: 'API keys only (a JWT gets 403). return_url\'s origin must be in BILLING_RETURN_ORIGINS.',
    security: [{ [SECURITY.apiKey]: [] }],
    request: { body: { content: { 'application/json': { schema: billingSessionBodySchema(returnOrigins) } } } },
    responses: {
      201: json(
        'The link',
        z.strictObject({ url: z.string().meta({ description: 'Open it once, within 5 minutes.' }), expires_at: z.number().int().meta({ description: 'Unix seconds.' }) }),
      ),
      ...errorResponses('validation_failed', 'unauthenticated', 'forbidden', 'rate_limited', 'subscription_unresolved', 'subscription_not_owned', 'stripe_unavailable', 'store_unavailable'),
    },
  });
}
