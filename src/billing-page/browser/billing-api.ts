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

/** A failed call: its HTTP status and the service's error code and message. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
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
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiFailure(res.status, error?.code ?? 'unknown', error?.message ?? `HTTP ${res.status}`);
  }
  return body as T;
}

const changing = (body?: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken(), ...headers },
  body: body === undefined ? undefined : JSON.stringify(body),
});

export const fetchBalance = () => call<Balance>('/billing/api/balance');
export const fetchPacks = () => call<{ data: Pack[] }>('/billing/api/packs').then((r) => r.data);
export const startCheckout = (purchase: { pack: string } | { amount: number; currency: string }) =>
  call<{ url: string }>('/billing/api/checkout', changing(purchase, { 'Idempotency-Key': crypto.randomUUID() }));
