import type { Logger } from 'pino';
import type { SubscriptionBalance } from '../moesif/moesif-ledger.js';
import type { CreditRates } from '../money/moesif-amount.js';
import type { Store } from '../store/store.js';
import type { StripeGateway } from '../stripe/stripe-gateway.js';
import type { TopUpDeps } from '../top-ups/create-top-up.js';
import type { AttemptOutcome } from '../store/auto-recharge-store.js';
import type { OutgoingEvents } from '../outgoing-events/outgoing-events.js';

/** Everything auto-recharge needs; built once in service.ts. */
export interface AutoRechargeDeps {
  store: Store;
  stripe: Pick<StripeGateway, 'getCustomer' | 'choosePaymentMethod' | 'cardFingerprint' | 'cancelOpenPaymentIntent' | 'paymentMethodCustomer'>;
  moesif: { getSubscriptionBalance(subscriptionId: string): Promise<SubscriptionBalance | null> };
  /** Charges go through the /top-up path (same metadata, same credit). */
  topUps: TopUpDeps;
  creditRates: CreditRates;
  /** The /top-up bounds per accepted currency. */
  limits: Readonly<Record<string, { min: number; max: number }>>;
  intervalMs: number;
  cooldownMs: number;
  now: () => number;
  logger: Logger;
  /** Counts each finished attempt (topup_sync_auto_recharge_attempts_total{outcome}). */
  onAttempt: (outcome: AttemptOutcome) => void;
  /** Outgoing events (auto_recharge.*), written with the state change that causes them. */
  events: OutgoingEvents;
  /** Random in [0, 1): spreads the checks over the interval (injectable for tests). */
  random?: () => number;
}
