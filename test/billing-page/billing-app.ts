import express, { type Express } from 'express';
import type { BalanceDeps } from '../../src/balances/get-balance.js';
import { TtlCache } from '../../src/balances/ttl-cache.js';
import { startSession, type BillingSessionDeps } from '../../src/billing-page/billing-sessions.js';
import { csrfTokenFor } from '../../src/billing-page/billing-tokens.js';
import { capabilitiesOf, type BillingCheckoutPort, type BillingPack } from '../../src/billing-page/capabilities.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { errorHandler, notFoundHandler } from '../../src/http/middleware/error-handler.js';
import { requestContext } from '../../src/http/middleware/request-id.js';
import { billingApiRoutes } from '../../src/http/routes/billing-api-routes.js';
import { billingPageRoutes } from '../../src/http/routes/billing-page-routes.js';
import { createLogger } from '../../src/logging/logger.js';
import { RouteLimits } from '../../src/rate-limits/route-limits.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { Authenticator } from '../../src/auth/authenticator.js';
import { testEnv } from '../support/harness.js';
import { BILLING_ENV, RETURN_URL } from './billing-helpers.js';

export const PACKS: BillingPack[] = [
  { id: 'price_small', name: 'Starter', credits: 1_000, amount: 1000, currency: 'usd' },
  { id: 'price_big', name: 'Bonus pack', credits: 11_000, amount: 10_000, currency: 'usd' },
];

export interface BillingApp {
  app: Express;
  config: Config;
  store: SqliteStore;
  /** What the stub checkout was asked to start. */
  started: Parameters<BillingCheckoutPort['start']>[1][];
  /** A session cookie and its CSRF token for cus_alice. */
  session(): Promise<{ cookie: string; csrf: string }>;
  close(): Promise<void>;
}

/**
 * The billing page's routes with a checkout plugged in (as the checkout work will plug its own
 * through service.ts): a stub that lists PACKS and answers `checkoutUrl()`. Balances come from a
 * fixed Moesif reading of 12.5 credits.
 */
export async function billingAppWithCheckout(env: Record<string, string> = {}, checkoutUrl: () => string = () => 'https://checkout.stripe.test/c/pay/cs_test_1'): Promise<BillingApp> {
  const config = loadConfig(testEnv({ url: 'http://127.0.0.1:9' }, { apiUrl: 'http://127.0.0.1:9' }, { ...BILLING_ENV, ...env }));
  const store = new SqliteStore(':memory:');
  const sessions: BillingSessionDeps = { store, ownership: { assertOwned: async () => undefined }, now: Date.now };
  const balances: BalanceDeps = {
    store,
    stripe: { listActiveSubscriptionIds: async () => ['sub_alice'] },
    ownership: sessions.ownership,
    moesif: { getSubscriptionBalance: async () => ({ currentBalance: 12.5, pendingActivity: 0, availableBalance: 12.5, lastModified: null }) },
    cache: new TtlCache(0, 10),
    creditRates: {},
    now: Date.now,
  };
  const started: BillingApp['started'] = [];
  const checkout: BillingCheckoutPort = {
    listPacks: async () => PACKS,
    start: async (_caller, request) => {
      started.push(request);
      return { url: checkoutUrl() };
    },
  };
  const limits = new RouteLimits(config.rateLimits, { store: store.rateLimits, now: Date.now });
  const app = express();
  app.use(requestContext(createLogger('silent')));
  app.use(billingPageRoutes({ sessions, authenticator: new Authenticator(config.auth), config, capabilities: capabilitiesOf(checkout, config.billing.customAmounts, false), limits }));
  app.use(billingApiRoutes({ sessions, balances, checkout, config, limits }));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return {
    app,
    config,
    store,
    started,
    async session() {
      const { sessionToken } = await startSession(sessions, { customerId: 'cus_alice', subscriptionId: null, returnUrl: RETURN_URL, locale: 'en-US' });
      return { cookie: `topup_billing=${sessionToken}`, csrf: csrfTokenFor(sessionToken) };
    },
    close: () => store.close(),
  };
}
