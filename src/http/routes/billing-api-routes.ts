import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { getBalance, type BalanceDeps } from '../../balances/get-balance.js';
import type { BillingSessionDeps } from '../../billing-page/billing-sessions.js';
import { hashToken } from '../../billing-page/billing-tokens.js';
import type { BillingCheckoutPort, BillingPurchase } from '../../billing-page/capabilities.js';
import type { Config } from '../../config/config.js';
import { chargeAmountProblem, formatMinorUnits } from '../../money/currencies.js';
import { setActingCustomer, type RouteLimits } from '../../rate-limits/route-limits.js';
import { stripeId } from '../../stripe/stripe-ids.js';
import { IDEMPOTENCY_KEY } from '../../top-ups/idempotency.js';
import { ApiError } from '../api-error.js';
import { callerOf } from '../middleware/authenticate.js';
import { billingOf, clearSessionCookie, requireBillingSession, requireCsrf } from '../middleware/billing-session.js';
import { SECURITY, type ApiRegistry } from '../openapi/api-registry.js';
import { errorResponses, json } from '../openapi/error-responses.js';
import { balanceSchema } from '../schemas/balance-schemas.js';
import { validateBody } from '../validate-body.js';

/** A purchase from the page: a pack, or a custom amount within the /top-up limits when allowed. */
function purchaseSchema(topUp: Config['topUp'], customAmounts: boolean) {
  return z.union([
    z.object({ pack: stripeId('price') }).strict(),
    z
      .object({ amount: z.number().int().positive(), currency: z.enum(topUp.currencies as [string, ...string[]]) })
      .strict()
      .superRefine((b, ctx) => {
        if (!customAmounts) return ctx.addIssue({ code: 'custom', path: ['amount'], message: 'custom amounts are off: choose a pack' });
        const limits = topUp.limits[b.currency]!;
        const problem = chargeAmountProblem(b.amount, b.currency);
        if (problem) ctx.addIssue({ code: 'custom', path: ['amount'], message: problem });
        else if (b.amount < limits.min || b.amount > limits.max) {
          ctx.addIssue({ code: 'custom', path: ['amount'], message: `expected ${limits.min} to ${limits.max} minor units of ${b.currency}` });
        }
      }),
  ]);
}

/** What the page's script calls, with the session cookie (reads) plus the CSRF token (changes). */
export function billingApiRoutes(deps: {
  sessions: BillingSessionDeps;
  balances: BalanceDeps;
  checkout: BillingCheckoutPort | undefined;
  config: Config;
  limits: RouteLimits;
}): Router {
  const router = Router();
  const { billing } = deps.config;
  // Each billing session is a caller of its own (perCaller), and a customer may hold several (one
  // per "open billing" click): its requests are also counted per customer, at the same size, so
  // more sessions are not more calls to Stripe and Moesif.
  const actingCustomer: RequestHandler = (_req, res, next) => {
    setActingCustomer(res, billingOf(res).session.customerId);
    next();
  };
  const perCustomer = deps.limits.perCustomer('billing-requests-per-customer', deps.config.rateLimits.userRequestsPerMinute);
  const session = [requireBillingSession(deps.sessions, billing.publicUrl), deps.limits.perCaller, actingCustomer, perCustomer];
  const json = express.json({ limit: '4kb', type: () => true });

  router.get('/billing/api/balance', ...session, async (_req, res) => {
    const { customerId, subscriptionId } = billingOf(res).session;
    const view = await getBalance(deps.balances, callerOf(res), customerId, subscriptionId ?? undefined);
    res.json({ ...view, in_flight: view.in_flight.map((t) => ({ ...t, amount_decimal: formatMinorUnits(t.amount, t.currency) })) });
  });

  router.post('/billing/api/session/end', ...session, requireCsrf, async (_req, res) => {
    const { sessionToken, secure } = billingOf(res);
    await deps.sessions.store.billingSessions.deleteSession(hashToken(sessionToken));
    // requireBillingSession renewed the cookie on the way in: this Set-Cookie replaces that one.
    res.removeHeader('Set-Cookie');
    clearSessionCookie(res, secure);
    res.status(204).end();
  });

  const checkout = deps.checkout;
  if (!checkout) return router;
  const purchase = purchaseSchema(deps.config.topUp, deps.config.billing.customAmounts);

  router.get('/billing/api/packs', ...session, async (_req, res) => {
    res.json({ data: await checkout.listPacks() });
  });

  // A Checkout Session costs Stripe calls and may become a charge: the session's customer shares
  // the per-customer top-up limit of POST /top-up and /top-up/checkout, whichever session asks.
  router.post('/billing/api/checkout', ...session, requireCsrf, deps.limits.topUpsPerCustomer, json, async (req, res) => {
    const key = req.get('idempotency-key');
    if (key === undefined || !IDEMPOTENCY_KEY.test(key)) {
      throw new ApiError('validation_failed', 'Invalid request: Idempotency-Key: expected 1-200 printable ASCII characters', {
        fields: [{ field: 'Idempotency-Key', problem: 'expected 1-200 printable ASCII characters' }],
      });
    }
    const body: BillingPurchase = validateBody(purchase, req.body);
    const { customerId, subscriptionId } = billingOf(res).session;
    const origin = billing.publicUrl ?? `${req.protocol}://${req.get('host')}`;
    const started = await checkout.start(callerOf(res), {
      ...body,
      customerId,
      subscriptionId,
      successUrl: `${origin}/billing?checkout=success`,
      cancelUrl: `${origin}/billing?checkout=canceled`,
      idempotencyKey: key,
    });
    res.status(201).json({ url: started.url });
  });
  return router;
}

const billingBalanceSchema = balanceSchema.extend({
  in_flight: z.array(balanceSchema.shape.in_flight.element.extend({ amount_decimal: z.string().meta({ description: 'The amount as exact decimal text.' }) })),
});

/** The OpenAPI paths of billingApiRoutes (see openapi/api-registry.ts); the checkout ones only with checkout. */
export function describeBillingApiRoutes(api: ApiRegistry, topUp: Config['topUp'], customAmounts: boolean, hasCheckout: boolean): void {
  const security = [{ [SECURITY.billingSession]: [] }];
  const tags = ['Billing page'];
  api.registerPath({
    method: 'get',
    path: '/billing/api/balance',
    operationId: 'getBillingBalance',
    tags,
    summary: 'The session customer\'s balance, as GET /balance with decimal amounts for display',
    security,
    responses: {
      200: json('The balance', billingBalanceSchema),
      ...errorResponses('unauthenticated', 'rate_limited', 'not_found', 'subscription_unresolved', 'subscription_not_owned', 'stripe_unavailable', 'stripe_misconfigured', 'moesif_unavailable', 'store_unavailable'),
    },
  });
  api.registerPath({
    method: 'post',
    path: '/billing/api/session/end',
    operationId: 'endBillingSession',
    tags,
    summary: 'Ends the billing session (X-CSRF-Token required)',
    security,
    responses: { 204: { description: 'Ended' }, ...errorResponses('unauthenticated', 'forbidden', 'rate_limited', 'store_unavailable') },
  });
  if (!hasCheckout) return;
  api.registerPath({
    method: 'get',
    path: '/billing/api/packs',
    operationId: 'listBillingPacks',
    tags,
    summary: 'The credit packs the page offers',
    security,
    responses: {
      200: json(
        'The packs',
        z.strictObject({
          data: z.array(z.strictObject({ id: z.string(), name: z.string(), credits: z.number(), amount: z.number().int(), currency: z.string() })),
        }),
      ),
      ...errorResponses('unauthenticated', 'rate_limited', 'stripe_unavailable', 'store_unavailable'),
    },
  });
  api.registerPath({
    method: 'post',
    path: '/billing/api/checkout',
    operationId: 'startBillingCheckout',
    tags,
    summary: 'Starts a Stripe Checkout Session for a pack or a custom amount (X-CSRF-Token and Idempotency-Key required)',
    security,
    request: { body: { content: { 'application/json': { schema: purchaseSchema(topUp, customAmounts) } } } },
    responses: {
      201: json('Where to send the browser', z.strictObject({ url: z.string() })),
      ...errorResponses('validation_failed', 'unauthenticated', 'forbidden', 'rate_limited', 'idempotency_key_reused', 'invalid_json', 'payload_too_large', 'stripe_unavailable', 'store_unavailable'),
    },
  });
}
