import { mayActFor, type Caller } from '../auth/caller.js';
import { ApiError } from '../http/api-error.js';
import type { CreditRates } from '../money/moesif-amount.js';
import { creditsOf } from '../moesif/moesif-ledger.js';
import type { HistoryPage, Store } from '../store/store.js';
import { ledgerEntryView, type LedgerEntryView } from './ledger-view.js';

export interface HistoryDeps {
  store: Pick<Store, 'history'>;
  creditRates: CreditRates;
  creditExpiryMs: number | null;
}

export interface PageQuery {
  limit: number;
  startingAfter?: string;
}

/** A Stripe-style list: `data` newest first, `has_more`, and the cursor for the next page. */
export interface ListView<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  /** Pass as `starting_after` for the next page; null on the last one. */
  next_starting_after: string | null;
}

export interface TopUpView {
  payment_intent_id: string;
  amount: number;
  currency: string;
  credits: number;
  /** The last PaymentIntent status this service saw. */
  status: string;
  flow: 'off_session' | 'on_session' | 'checkout';
  subscription_id: string | null;
  /** Where its credit stands: null until the payment succeeded. */
  credit_state: string | null;
  created_at: string;
}

function listOf<T>(page: HistoryPage<T> | null, idOf: (item: T) => string): ListView<T> {
  // A cursor that is not one of the customer's rows: say so, like Stripe does for an unknown object.
  if (!page) {
    throw new ApiError('validation_failed', 'Invalid request: starting_after: not one of this customer\'s entries', {
      fields: [{ field: 'starting_after', problem: "not one of this customer's entries" }],
    });
  }
  const last = page.items.at(-1);
  return { object: 'list', data: page.items, has_more: page.hasMore, next_starting_after: page.hasMore && last ? idOf(last) : null };
}

function assertMayRead(caller: Caller, customerId: string): void {
  if (!mayActFor(caller, customerId)) throw new ApiError('forbidden', 'You may only read your own history.');
}

/** GET /ledger: every ledger entry of the customer (optionally of one subscription), newest first. */
export async function listLedger(
  deps: HistoryDeps,
  caller: Caller,
  customerId: string,
  query: PageQuery & { subscriptionId?: string },
): Promise<ListView<LedgerEntryView>> {
  assertMayRead(caller, customerId);
  const page = await deps.store.history.ledger({ customerId, ...query });
  const views = page && { ...page, items: page.items.map((e) => ledgerEntryView(e, deps.creditRates, deps.creditExpiryMs)) };
  return listOf(views, (e) => e.id);
}

/** GET /top-ups: the customer's top-ups, newest first. */
export async function listTopUps(deps: HistoryDeps, caller: Caller, customerId: string, query: PageQuery): Promise<ListView<TopUpView>> {
  assertMayRead(caller, customerId);
  const page = await deps.store.history.topUps({ customerId, ...query });
  const views = page && {
    ...page,
    items: page.items.map((t) => ({
      payment_intent_id: t.paymentIntentId,
      amount: t.amountMinor,
      currency: t.currency,
      credits: creditsOf(t, deps.creditRates),
      status: t.status,
      flow: t.flow,
      subscription_id: t.subscriptionId,
      credit_state: t.creditState,
      created_at: new Date(t.createdAt).toISOString(),
    })),
  };
  return listOf(views, (t) => t.payment_intent_id);
}
