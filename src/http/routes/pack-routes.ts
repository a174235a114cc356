import { Router } from 'express';
import type { Authenticator } from '../../auth/authenticator.js';
import type { PackCatalog } from '../../packs/pack-catalog.js';
import { packView } from '../../packs/pack-view.js';
import type { RouteLimits } from '../../rate-limits/route-limits.js';
import { authenticate } from '../middleware/authenticate.js';
import { corsAllowList } from '../middleware/cors-allow-list.js';
import { CALLER_SECURITY, type ApiRegistry } from '../openapi/api-registry.js';
import { errorResponses, json } from '../openapi/error-responses.js';
import { packListSchema } from '../schemas/pack-schemas.js';

/** GET /packs: the credit packs on sale (active one-time Stripe Prices with moesif_credits), for a frontend to show. */
export function packRoutes(deps: { packs: PackCatalog; authenticator: Authenticator; corsOrigins: readonly string[]; limits: RouteLimits }): Router {
  const router = Router();
  const cors = corsAllowList(deps.corsOrigins);
  router.options('/packs', cors);
  router.get('/packs', cors, authenticate(deps.authenticator), deps.limits.perCaller, async (_req, res) => {
    const packs = await deps.packs.list();
    res.json({ packs: packs.map(packView) });
  });
  return router;
}

/** The OpenAPI paths of packRoutes (see openapi/api-registry.ts). */
export function describePackRoutes(api: ApiRegistry): void {
  api.registerPath({
    method: 'get',
    path: '/packs',
    operationId: 'listPacks',
    tags: ['Packs'],
    summary: 'The credit packs on sale: active one-time Stripe Prices with moesif_credits',
    security: CALLER_SECURITY,
    responses: {
      200: json('The packs', packListSchema),
      ...errorResponses('unauthenticated', 'rate_limited', 'stripe_unavailable', 'stripe_misconfigured'),
    },
  });
}
