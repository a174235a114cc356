import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { settingBodySchema } from '../../auto-recharge/setting-request.js';
import { AUTO_RECHARGE_TERMS_VERSION, autoRechargeTermsText } from '../../billing-page/auto-recharge-terms.js';
import {
  completeRechargePayment,
  pageAutoRecharge,
  pageLedger,
  savePageAutoRecharge,
  type BillingAccountDeps,
  type PageSettingBody,
} from '../../billing-page/billing-account.js';
import type { BillingSessionDeps } from '../../billing-page/billing-sessions.js';
import type { Config } from '../../config/config.js';
import { setActingCustomer, type RouteLimits } from '../../rate-limits/route-limits.js';
import { callerOf } from '../middleware/authenticate.js';
import { billingOf, requireBillingSession, requireCsrf } from '../middleware/billing-session.js';
import { SECURITY, type ApiRegistry } from '../openapi/api-registry.js';
import { errorResponses, json } from '../openapi/error-responses.js';
import { ledgerEntryShape } from '../schemas/history-schemas.js';
import { validateBody } from '../validate-body.js';
import { publicOrigin } from './billing-session-routes.js';

/** The page asks for small pages ("more" fetches the next). */
const ledgerQuery = z.strictObject({
  limit: z.coerce.number({ message: 'expected an integer from 1 to 50' }).int().min(1).max(50).default(10),
  starting_after: z
    .string()
    .regex(/^[A-Za-z0-9_:]{1,300}$/, 'expected the id of an entry of a previous page')
    .optional(),
});

/** The session decides whose setting it is and the card is the customer's default: the page's form names neither. */
function pageSettingSchema(topUp: Config['topUp']) {
  return settingBodySchema(topUp).superRefine((body, ctx) => {
    for (const field of ['customer_id', 'subscription_id', 'payment_method'] as const) {
      if (body[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'set by the billing session, not by the page' });
    }
  });
}


/**
 * The page's history and auto-recharge sections: GET /billing/api/ledger, GET and PUT
 * /billing/api/auto-recharge, POST /billing/api/auto-recharge/complete-payment. Reads need the
 * session cookie; changes also the X-CSRF-Token.
 */
export function billingAccountRoutes(deps: { sessions: BillingSessionDeps; account: BillingAccountDeps; config: Config; limits: RouteLimits }): Router {
  const router = Router();
  const { billing } = deps.config;
  // As billing-api-routes.ts: per session, and per customer across their sessions (the same counter).
  const actingCustomer: RequestHandler = (_req, res, next) => {
    setActingCustomer(res, billingOf(res).session.customerId);
    next();
  };
  const perCustomer = deps.limits.perCustomer('billing-requests-per-customer', deps.config.rateLimits.userRequestsPerMinute);
  const session = [requireBillingSession(deps.sessions, billing.publicUrl), deps.limits.perCaller, actingCustomer, perCustomer];
  // A save shares PUT /auto-recharge's per-customer limit on changes; completing a payment may
  // charge, so it shares the top-up limit.
  const editsPerCustomer = deps.limits.perCustomer('auto-recharge-edits-per-customer', deps.config.rateLimits.topUpsPerCustomerPerMinute);
  const body = express.json({ limit: '8kb', type: () => true });
  const schema = pageSettingSchema(deps.config.topUp);
  const terms = { version: AUTO_RECHARGE_TERMS_VERSION, text: autoRechargeTermsText(billing.pageTitle) };

  router.get('/billing/api/ledger', ...session, async (req, res) => {
    const q = validateBody(ledgerQuery, { ...req.query });
    res.json(await pageLedger(deps.account, callerOf(res), billingOf(res).session, { limit: q.limit, startingAfter: q.starting_after }));
  });

  router.get('/billing/api/auto-recharge', ...session, async (_req, res) => {
    res.json({ terms, setting: await pageAutoRecharge(deps.account, callerOf(res), billingOf(res).session) });
  });

  router.put('/billing/api/auto-recharge', ...session, requireCsrf, editsPerCustomer, body, async (req, res) => {
    const parsed: PageSettingBody = validateBody(schema, req.body);
    res.json({ terms, setting: await savePageAutoRecharge(deps.account, callerOf(res), billingOf(res).session, parsed) });
  });

  router.post('/billing/api/auto-recharge/complete-payment', ...session, requireCsrf, deps.limits.topUpsPerCustomer, async (req, res) => {
    // Where Stripe sends the browser back: BILLING_PUBLIC_URL, else this request's (well-formed) host.
    const returnUrl = `${publicOrigin(req, billing.publicUrl)}/billing?auto_recharge=authenticated`;
    res.json(await completeRechargePayment(deps.account, callerOf(res), billingOf(res).session, returnUrl));
  });
  return router;
}

const pageLedgerSchema = z.strictObject({
  object: z.literal('list'),
  data: z.array(
    z.strictObject({
      ...ledgerEntryShape,
      amount_decimal: z.string().nullable().meta({ description: 'The signed amount as exact decimal text (null for granted credits).' }),
    }),
  ),
  has_more: z.boolean(),
  next_starting_after: z.string().nullable(),
});

const termsSchema = z.strictObject({
  version: z.string().meta({ description: 'Send it back as consent.terms_version; it is stored with the consent.' }),
  text: z.string(),
});

const pageSettingResponse = z.strictObject({
  terms: termsSchema,
  setting: z
    .looseObject({
      enabled: z.boolean(),
      state: z.enum(['active', 'requires_action', 'suspended', 'cap_reached', 'disabled']),
      charged_this_month: z.number().int(),
    })
    .nullable()
    .meta({ description: 'As GET /auto-recharge answers, without the client secret; null before the first save.' }),
});

/** The OpenAPI paths of billingAccountRoutes. */
export function describeBillingAccountRoutes(api: ApiRegistry, topUp: Config['topUp']): void {
  const security = [{ [SECURITY.billingSession]: [] }];
  const tags = ['Billing page'];
  const stripeErrors = ['stripe_unavailable', 'stripe_misconfigured'] as const;
  api.registerPath({
    method: 'get',
    path: '/billing/api/ledger',
    operationId: 'listBillingLedger',
    tags,
    summary: 'The session customer\'s ledger, newest first (as GET /ledger, with decimal amounts); page with starting_after',
    security,
    request: { query: ledgerQuery },
    responses: { 200: json('One page of entries', pageLedgerSchema), ...errorResponses('validation_failed', 'unauthenticated', 'forbidden', 'rate_limited', 'store_unavailable') },
  });
  const settingErrors = ['unauthenticated', 'forbidden', 'rate_limited', 'subscription_unresolved', 'subscription_not_owned', ...stripeErrors, 'store_unavailable'] as const;
  api.registerPath({
    method: 'get',
    path: '/billing/api/auto-recharge',
    operationId: 'getBillingAutoRecharge',
    tags,
    summary: 'The session customer\'s auto-recharge setting and the terms its consent box shows',
    security,
    responses: { 200: json('The terms and the setting', pageSettingResponse), ...errorResponses(...settingErrors) },
  });
  api.registerPath({
    method: 'put',
    path: '/billing/api/auto-recharge',
    operationId: 'putBillingAutoRecharge',
    tags,
    summary: 'Saves the auto-recharge form (X-CSRF-Token required); enabling needs consent with the terms version shown',
    security,
    request: { body: { content: { 'application/json': { schema: pageSettingSchema(topUp) } } } },
    responses: {
      200: json('The terms and the setting as stored, after its first evaluation', pageSettingResponse),
      ...errorResponses('validation_failed', 'invalid_json', 'payload_too_large', 'customer_not_found', 'company_not_mapped', 'moesif_unavailable', ...settingErrors),
    },
  });
  api.registerPath({
    method: 'post',
    path: '/billing/api/auto-recharge/complete-payment',
    operationId: 'completeBillingAutoRechargePayment',
    tags,
    summary: 'Confirms the auto-recharge payment waiting for 3-D Secure (X-CSRF-Token required); the page then sends the browser to redirect_url',
    description:
      'The service confirms the PaymentIntent server-side with a return_url (no Stripe.js); Stripe answers next_action.redirect_to_url and, after authentication, sends the browser back to /billing?auto_recharge=authenticated&payment_intent=…&redirect_status=….',
    security,
    responses: {
      200: json(
        'Where to send the browser, or (redirect_url null) the PaymentIntent status when nothing is left to authenticate',
        z.union([z.strictObject({ redirect_url: z.string() }), z.strictObject({ redirect_url: z.null(), status: z.string() })]),
      ),
      ...errorResponses('validation_failed', 'unauthenticated', 'forbidden', 'not_found', 'rate_limited', 'card_declined', 'payment_rejected', 'subscription_unresolved', 'subscription_not_owned', ...stripeErrors, 'store_unavailable'),
    },
  });
}
