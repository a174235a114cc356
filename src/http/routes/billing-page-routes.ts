import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { Authenticator } from '../../auth/authenticator.js';
import { jwtOpenFormSchema } from '../../billing-page/billing-session-request.js';
import { openLink, startSession, type BillingSessionDeps, type OpenedSession } from '../../billing-page/billing-sessions.js';
import { csrfTokenFor } from '../../billing-page/billing-tokens.js';
import type { BillingCapabilities } from '../../billing-page/capabilities.js';
import { browserScript } from '../../billing-page/page-assets.js';
import { billingPageHtml, continuePageHtml, messagePageHtml, type Branding, type PageSettings } from '../../billing-page/page-html.js';
import { BILLING_CSS, themeCss } from '../../billing-page/page-style.js';
import type { Config } from '../../config/config.js';
import { stripeExponent } from '../../money/currencies.js';
import type { RouteLimits } from '../../rate-limits/route-limits.js';
import { billingContext, billingPageHeaders, cookieIsSecure, setSessionCookie } from '../middleware/billing-session.js';
import { toApiError } from '../middleware/error-handler.js';
import { SECURITY, type ApiRegistry } from '../openapi/api-registry.js';
import { errorResponses } from '../openapi/error-responses.js';
import { controlCharacterFields } from '../validate-body.js';

/** Runs a middleware inside a handler: resolves when it calls next(), rejects with the error it passes on. */
function runMiddleware(middleware: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    void middleware(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
  });
}

const LINK_REFUSED = 'This billing link has expired or was already used. Go back to your account and open billing again.';

/**
 * The billing page itself: opening a link (or a JWT frontend's form) starts a session cookie;
 * GET /billing renders the page; its scripts and styles come from here too (no CDN).
 */
export function billingPageRoutes(deps: {
  sessions: BillingSessionDeps;
  authenticator: Authenticator;
  config: Config;
  capabilities: BillingCapabilities;
  limits: RouteLimits;
}): Router {
  const router = Router();
  const { billing } = deps.config;
  const branding: Branding = { title: billing.pageTitle, brandColor: billing.brandColor, logoUrl: billing.logoUrl };
  const currencies = deps.config.topUp.currencies.map((code) => ({ code, exponent: stripeExponent(code), ...deps.config.topUp.limits[code]! }));
  const theme = themeCss(billing.brandColor);
  const jwtForm = jwtOpenFormSchema(billing.returnOrigins);
  const page = (res: Response, status: number, html: string) => res.status(status).type('html').send(html);
  const opened = (res: Response, req: Request, session: OpenedSession) => {
    setSessionCookie(res, session.sessionToken, cookieIsSecure(req, billing.publicUrl), session.expiresAt - deps.sessions.now());
    page(res, 200, continuePageHtml(branding));
  };

  router.use('/billing', billingPageHeaders(billing.logoUrl));

  // Unknown, malformed, expired and used links all get this same answer.
  router.get('/billing/session/:token', async (req, res) => {
    const session = await openLink(deps.sessions, String(req.params.token));
    if (!session) return page(res, 410, messagePageHtml(branding, 'This link no longer works', LINK_REFUSED));
    opened(res, req, session);
  });

  // A JWT frontend opens the page by posting its token in a form from an origin it may return to.
  router.post('/billing/open', express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 }), async (req, res) => {
    const refused = (status: number, text: string) => page(res, status, messagePageHtml(branding, 'Billing could not be opened', text));
    if (!billing.returnOrigins.includes(req.get('origin') ?? '')) return refused(403, 'This page may only be opened from your account.');
    // As every JSON body (validateBody): no control characters in any field. URL parsing would
    // accept a NUL in return_url (and silently drop a tab), and PostgreSQL refuses NUL in text.
    if (controlCharacterFields(req.body ?? {}).length > 0) return refused(400, 'The form was not valid (a field holds a control character).');
    const form = jwtForm.safeParse(req.body ?? {});
    if (!form.success) return refused(400, `The form was not valid (${form.error.issues.map((i) => i.path.join('.') || '(form)').join(', ')}).`);
    let scope;
    let notAfter: number | null = null;
    try {
      const caller = await deps.authenticator.authenticate(`Bearer ${form.data.token}`);
      if (caller.kind !== 'jwt') return refused(401, 'Sign in to your account again, then open billing.');
      // Each call makes a session (a store write, maybe a Stripe read): the user's per-minute limit.
      res.locals.caller = caller;
      await runMiddleware(deps.limits.perCaller, req, res);
      if (form.data.subscription_id) await deps.sessions.ownership.assertOwned(caller, caller.customerId, form.data.subscription_id);
      notAfter = caller.expiresAt ?? null;
      scope = { customerId: caller.customerId, subscriptionId: form.data.subscription_id ?? null, returnUrl: form.data.return_url, locale: form.data.locale ?? null };
    } catch (err) {
      const apiError = toApiError(err);
      if (apiError.code === 'rate_limited') return refused(429, 'Billing was opened too often; wait a minute, then open it again.');
      if (apiError.status >= 500) throw err;
      return refused(apiError.status, 'Sign in to your account again, then open billing.');
    }
    opened(res, req, await startSession(deps.sessions, scope, notAfter));
  });

  router.get('/billing', async (req, res) => {
    const context = await billingContext(deps.sessions, req, res, billing.publicUrl);
    if (!context) {
      return page(res, 401, messagePageHtml(branding, 'Your billing session has ended', 'Go back to your account and open billing again.'));
    }
    const settings: PageSettings = { locale: context.session.locale, capabilities: deps.capabilities, currencies };
    page(res, 200, billingPageHtml(branding, context.session.returnUrl, csrfTokenFor(context.sessionToken), settings));
  });

  router.get('/billing/assets/billing.css', (_req, res) => res.type('css').send(BILLING_CSS));
  router.get('/billing/assets/theme.css', (_req, res) => res.type('css').send(theme));
  router.get('/billing/assets/:name', async (req, res, next) => {
    const name = String(req.params.name);
    const script = /^[a-z-]{1,40}\.js$/.test(name) ? await browserScript(name) : null;
    if (script === null) return next();
    res.type('js').send(script);
  });
  return router;
}

const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });

/** The OpenAPI paths of billingPageRoutes: pages for a browser, documented so the contract is whole. */
export function describeBillingPageRoutes(api: ApiRegistry): void {
  api.registerPath({
    method: 'get',
    path: '/billing/session/{token}',
    operationId: 'openBillingLink',
    tags: ['Billing page'],
    summary: 'Opens a billing link: sets the session cookie, then the page moves on to /billing',
    security: [],
    request: { params: z.object({ token: z.string() }) },
    responses: { 200: html('Session started; a page that continues to /billing'), 410: html('Unknown, used or expired link (one answer for all)') },
  });
  api.registerPath({
    method: 'post',
    path: '/billing/open',
    operationId: 'openBillingWithJwt',
    tags: ['Billing page'],
    summary: 'A JWT frontend opens the page with a form post from an origin in BILLING_RETURN_ORIGINS',
    security: [],
    request: {
      body: {
        content: {
          'application/x-www-form-urlencoded': {
            schema: z.object({ token: z.string(), return_url: z.string(), subscription_id: z.string().optional(), locale: z.string().optional() }),
          },
        },
      },
    },
    responses: {
      200: html('Session started; a page that continues to /billing'),
      400: html('The form was not valid'),
      401: html('The token was refused'),
      403: html('Not from an allowed origin, or a subscription that is not the customer\'s'),
      404: html('The subscription does not exist'),
      422: html('The subscription could not be resolved'),
      429: html('This user opened billing too often in the last minute (RATE_LIMIT_USER_REQUESTS_PER_MINUTE); Retry-After says when to try again'),
    },
  });
  api.registerPath({
    method: 'get',
    path: '/billing',
    operationId: 'getBillingPage',
    tags: ['Billing page'],
    summary: 'The billing page of the session\'s customer',
    security: [{ [SECURITY.billingSession]: [] }],
    responses: { 200: html('The page'), 401: html('No session (or it ended)') },
  });
  for (const [name, operationId, type] of [
    ['billing.css', 'getBillingStyles', 'text/css'],
    ['theme.css', 'getBillingTheme', 'text/css'],
    ['{name}', 'getBillingScript', 'text/javascript'],
  ] as const) {
    api.registerPath({
      method: 'get',
      path: `/billing/assets/${name}`,
      operationId,
      tags: ['Billing page'],
      summary: 'An asset of the billing page (served here: no CDN)',
      security: [],
      ...(name === '{name}' ? { request: { params: z.object({ name: z.string() }) } } : {}),
      responses: {
        200: { description: 'The asset', content: { [type]: { schema: z.string() } } },
        ...(name === '{name}' ? errorResponses('not_found') : {}),
      },
    });
  }
}
