import { OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { API_ERROR_CODES } from '../api-error.js';
import { ERROR_CODE_TABLE } from './error-responses.js';

/**
 * The OpenAPI contract is built from the same zod schemas the routes validate with, next to the
 * handlers: each route file exports a `describe…Routes(api)` beside its `…Routes(deps)`, and
 * create-app.ts calls the pair together (same condition), so a mounted route is a documented one.
 *
 * Documenting a route (a new file src/http/routes/thing-routes.ts):
 *
 *   export function describeThingRoutes(api: ApiRegistry): void {
 *     api.registerPath({
 *       method: 'get', path: '/things/{thing_id}', operationId: 'getThing', tags: ['Things'], summary: 'One thing',
 *       security: [{ [SECURITY.apiKey]: [] }, { [SECURITY.customerJwt]: [] }],
 *       request: { params: z.object({ thing_id: stripeId('customer') }), query: thingQuery },
 *       responses: {
 *         200: json('The thing', thingSchema),
 *         ...errorResponses('validation_failed', 'unauthenticated', 'not_found', 'rate_limited'),
 *       },
 *     });
 *   }
 *
 * - Paths use OpenAPI `{param}`, not Express `:param`; test/contract/openapi-document.test.ts fails
 *   on any mounted route missing here (and any documented path the app lacks). In create-app.ts:
 *   `app.use(thingRoutes(deps)); contract.add(describeThingRoutes);` (the calls run when the
 *   document is first asked for: openapi/app-contract.ts)
 * - Request schemas: reuse the zod schema the handler passes to validateBody. Response schemas:
 *   a z.strictObject tied to the domain type with `true satisfies SameType<z.output<typeof s>, T>`.
 *   Name a reusable one with `.meta({ id: 'Thing' })`.
 * - errorResponses() takes every code the route can answer (internal_error is always added).
 *   Every response a harness test receives is checked against the document when the harness
 *   stops (test/support/contract.ts): an undocumented status, code or field fails the test.
 * - A public route says so with `security: []`.
 * - Outgoing events: `api.registerWebhook({ method: 'post', path: 'credit.delivered', … })`.
 */
export type ApiRegistry = OpenAPIRegistry;

/** Names of the security schemes, for `security: [{ [SECURITY.apiKey]: [] }]`. */
export const SECURITY = {
  /** TOP_UP_API_KEYS: the operator's servers; the customer is named in the request. */
  apiKey: 'apiKey',
  /** A JWT from the operator's identity provider: a browser user, only their own customer. */
  customerJwt: 'customerJwt',
  /** ADMIN_API_KEY: the operator's admin API. */
  adminKey: 'adminKey',
  /** METRICS_BEARER_TOKEN, when set. */
  metricsToken: 'metricsToken',
  /** Stripe's signature of the webhook body (STRIPE_WEBHOOK_SECRET). */
  stripeSignature: 'stripeSignature',
  /** The billing page's session cookie (set by opening a billing link), plus X-CSRF-Token on changes. */
  billingSession: 'billingSession',
} as const;

/** A customer-facing route: the operator's API key or a customer's JWT. */
export const CALLER_SECURITY: RouteConfig['security'] = [{ [SECURITY.apiKey]: [] }, { [SECURITY.customerJwt]: [] }];

export function createApiRegistry(): ApiRegistry {
  const api = new OpenAPIRegistry();
  api.registerComponent('securitySchemes', SECURITY.apiKey, {
    type: 'http',
    scheme: 'bearer',
    description: 'One of TOP_UP_API_KEYS, for the operator\'s servers: `Authorization: Bearer <key>`. The request names customer_id.',
  });
  api.registerComponent('securitySchemes', SECURITY.customerJwt, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A JWT from the operator\'s identity provider (JWT_SECRET or JWT_JWKS_URL); its customer claim is the only customer it may act for.',
  });
  api.registerComponent('securitySchemes', SECURITY.adminKey, {
    type: 'http',
    scheme: 'bearer',
    description: 'ADMIN_API_KEY: `Authorization: Bearer <key>`. The admin API is absent when no key is configured.',
  });
  api.registerComponent('securitySchemes', SECURITY.metricsToken, {
    type: 'http',
    scheme: 'bearer',
    description: 'METRICS_BEARER_TOKEN, required on /metrics when it is set.',
  });
  api.registerComponent('securitySchemes', SECURITY.stripeSignature, {
    type: 'apiKey',
    in: 'header',
    name: 'Stripe-Signature',
    description: 'Stripe\'s HMAC-SHA256 signature of the raw body with STRIPE_WEBHOOK_SECRET (t=…,v1=…).',
  });
  api.registerComponent('securitySchemes', SECURITY.billingSession, {
    type: 'apiKey',
    in: 'cookie',
    name: 'topup_billing',
    description: 'The billing page\'s session cookie (`__Host-topup_billing` outside localhost), set when a billing link is opened; state-changing calls also carry the page\'s `X-CSRF-Token`.',
  });
  // Not referenced by any route (each lists its own codes), so added as a component outright.
  api.registerComponent('schemas', 'ErrorCode', { type: 'string', enum: [...API_ERROR_CODES], description: ERROR_CODE_TABLE });
  return api;
}
