import { Router } from 'express';
import type { Authenticator } from '../../auth/authenticator.js';
import type { PackCatalog } from '../../packs/pack-catalog.js';
import type { RouteLimits } from '../../rate-limits/route-limits.js';
import { authenticate } from '../middleware/authenticate.js';
import { corsAllowList } from '../middleware/cors-allow-list.js';

/** GET /packs: the credit packs on sale (active one-time Stripe Prices with moesif_credits), for a frontend to show. */
export function packRoutes(deps: { packs: PackCatalog; authenticator: Authenticator; corsOrigins: readonly string[]; limits: RouteLimits }): Router {
  const router = Router();
  const cors = corsAllowList(deps.corsOrigins);
  router.options('/packs', cors);
  router.get('/packs', cors, authenticate(deps.authenticator), deps.limits.perCaller, async (_req, res) => {
    const packs = await deps.packs.list();
    res.json({
      packs: packs.map((p) => ({ price_id: p.priceId, credits: p.credits, amount: p.amountMinor, currency: p.currency, name: p.name })),
    });
  });
  return router;
}
