/** The page's calls to its own origin: the session cookie goes by itself, the CSRF token in a header. */

export interface InFlight {
  payment_intent_id: string;
  amount: number;
  amount_decimal: string;
  currency: string;
  credits: number;
  state: 'processing' | 'pending_delivery' | 'delivered';
}

export interface Balance {
  current_balance: number;
  pending_activity: number;
  available_balance: number;
  last_modified: string | null;
  in_flight: InFlight[];
  in_flight_credits: number;
}

export interface Pack {
  id: string;
  name: string;
  credits: number;
  amount: number;
  currency: string;
}

export interface LedgerEntry {
  id: string;
  kind: 'credit' | 'debit' | 'promotion' | 'adjustment';
  amount: number | null;
  amount_decimal: string | null;
  currency: string | null;
  credits: number;
  source: 'top-up' | 'checkout' | 'pack' | 'invoice' | 'refund' | 'dispute' | 'auto-recharge' | 'grant';
  state: 'pending' | 'delivered' | 'failed' | 'dead';
  created_at: string;
  delivered_at: string | null;
}

export interface LedgerPage {
  data: LedgerEntry[];
  has_more: boolean;
  next_starting_after: string | null;
}

export type AutoRechargeState = 'active' | 'requires_action' | 'suspended' | 'cap_reached' | 'disabled';

export interface AutoRechargeSetting {
  enabled: boolean;
  state: AutoRechargeState;
  threshold: number;
  mode: 'fixed' | 'target';
  amount?: number;
  target_balance?: number;
  currency: string;
  monthly_cap: number;
  charged_this_month: number;
  pause: { reason: string; since: string; payment_intent_id: string | null } | null;
}

export interface AutoRechargeView {
  terms: { version: string; text: string };
  setting: AutoRechargeSetting | null;
}

export interface AutoRechargeForm {
  enabled: boolean;
  threshold: number;
  mode: 'fixed' | 'target';
  amount?: number;
  target_balance?: number;
  currency: string;
  monthly_cap: number;
  consent?: { accepted: true; terms_version: string };
}

/** A failed call: its HTTP status, the service's error code and message, and the fields it named. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: { field: string; problem: string }[] = [],
  ) {
    super(message);
  }
}

const csrfToken = (): string => document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin', cache: 'no-store', ...init });
  if (res.status === 204) return undefined as T;
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const error = (body as { error?: { code?: string; message?: string; fields?: { field: string; problem: string }[] } } | null)?.error;
    throw new ApiFailure(res.status, error?.code ?? 'unknown', error?.message ?? `HTTP ${res.status}`, error?.fields ?? []);
  }
  return body as T;
}

const changing = (body?: unknown, headers: Record<string, string> = {}, method = 'POST'): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken(), ...headers },
  body: body === undefined ? undefined : JSON.stringify(body),
});

export const fetchBalance = () => call<Balance>('/billing/api/balance');
export const fetchPacks = () => call<{ data: Pack[] }>('/billing/api/packs').then((r) => r.data);
export const startCheckout = (purchase: { pack: string } | { amount: number; currency: string }) =>
  call<{ url: string }>('/billing/api/checkout', changing(purchase, { 'Idempotency-Key': crypto.randomUUID() }));
export const fetchLedger = (startingAfter: string | null) =>
  call<LedgerPage>(`/billing/api/ledger?limit=10${startingAfter ? `&starting_after=${encodeURIComponent(startingAfter)}` : ''}`);
export const fetchAutoRecharge = () => call<AutoRechargeView>('/billing/api/auto-recharge');
export const saveAutoRecharge = (form: AutoRechargeForm) => call<AutoRechargeView>('/billing/api/auto-recharge', changing(form, {}, 'PUT'));
export const completeRechargePayment = () =>
  call<{ redirect_url: string } | { redirect_url: null; status: string }>('/billing/api/auto-recharge/complete-payment', changing());
export const signOut = () => call<void>('/billing/api/session/end', changing());
