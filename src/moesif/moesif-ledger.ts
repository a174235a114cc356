import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import { z } from 'zod';
import type { Config } from '../config/config.js';
import type { LedgerEntry } from '../ledger/ledger-entry.js';
import { toMoesifAmount, type CreditRates } from '../money/moesif-amount.js';
import { isStripeId } from '../stripe/stripe-ids.js';
import { MoesifDeliveryError } from './moesif-errors.js';
import { parseRetryAfterMs } from './retry-after.js';

const BALANCE_TRANSACTIONS_PATH = '/~/billing/reports/balance_transactions';
/**
 * The path of a subscription's balance. Moesif's subscription ids are Stripe's (sub_…); anything
 * else is refused rather than encoded: `..` survives encodeURIComponent and would make this a
 * request for another path, sent with the management key.
 */
function subscriptionPath(id: string): string {
  if (!isStripeId('subscription', id)) throw new Error('refusing to build a Moesif path from a malformed subscription id');
  return `/search/~/subscriptions/${id}`;
}
const MAX_KEPT_BODY = 2_000;

/** Moesif's wire format for a balance transaction (createBalanceTransaction). */
export interface MoesifBalanceTransaction {
  company_id: string;
  subscription_id: string;
  amount: number;
  type: string;
  transaction_id: string;
  description: string;
}

export function toMoesifTransaction(
  entry: LedgerEntry,
  subscriptionId: string,
  rates: CreditRates,
  types: { credit: string; debit: string },
): MoesifBalanceTransaction {
  return {
    company_id: entry.companyId,
    subscription_id: subscriptionId,
    amount: toMoesifAmount(entry.amountMinor, entry.currency, rates),
    type: types[entry.kind],
    transaction_id: entry.transactionId,
    description: entry.description,
  };
}

/** Moesif's three balance figures for a subscription (in credits: major units × rate). */
export interface SubscriptionBalance {
  currentBalance: number;
  pendingActivity: number;
  availableBalance: number;
  lastModified: string | null;
}

const balanceSchema = z.object({
  current_balance: z.number(),
  pending_activity: z.number(),
  available_balance: z.number(),
  last_modified: z.string().nullish(),
});

function bodyText(data: unknown): string | null {
  if (data === undefined || data === null || data === '') return null;
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return text.length > MAX_KEPT_BODY ? `${text.slice(0, MAX_KEPT_BODY)}…` : text;
}

/**
 * Moesif's Management API, balance transactions only. Kept-alive connections; every failure is a
 * MoesifDeliveryError saying whether to retry.
 */
export class MoesifLedger {
  private readonly http: AxiosInstance;

  constructor(config: Config['moesif'], maxSockets: number) {
    this.http = axios.create({
      baseURL: config.apiUrl,
      timeout: config.timeoutMs,
      headers: { Authorization: `Bearer ${config.apiKey}`, 'Content-Type': 'application/json' },
      httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets }),
      // Status codes are classified below, not thrown.
      validateStatus: () => true,
      maxRedirects: 0,
      responseType: 'text',
      transitional: { clarifyTimeoutError: true },
    });
  }

  /**
   * A subscription's balance as Moesif keeps it. Null when Moesif does not know the subscription;
   * MoesifDeliveryError when Moesif cannot be asked or answers something unusable. Throws (before
   * any request) for an id that is not a Stripe subscription id.
   */
  async getSubscriptionBalance(subscriptionId: string): Promise<SubscriptionBalance | null> {
    const path = subscriptionPath(subscriptionId);
    let status: number;
    let data: unknown;
    try {
      const res = await this.http.get(path);
      status = res.status;
      data = res.data;
    } catch (err) {
      const reason = isAxiosError(err) ? (err.code ?? err.message) : String(err);
      throw new MoesifDeliveryError(`request to Moesif failed: ${reason}`, true, null, null, null);
    }
    if (status === 404) return null;
    if (status < 200 || status >= 300) {
      throw new MoesifDeliveryError(`Moesif answered ${status}`, status === 429 || status >= 500, status, bodyText(data), null);
    }
    let parsed: unknown;
    try {
      parsed = typeof data === 'string' ? JSON.parse(data) : data;
    } catch {
      parsed = null;
    }
    const balance = balanceSchema.safeParse((parsed as { balance?: unknown } | null)?.balance);
    if (!balance.success) throw new MoesifDeliveryError('Moesif answered without a usable balance', true, status, bodyText(data), null);
    return {
      currentBalance: balance.data.current_balance,
      pendingActivity: balance.data.pending_activity,
      availableBalance: balance.data.available_balance,
      lastModified: balance.data.last_modified ?? null,
    };
  }

  async postTransaction(tx: MoesifBalanceTransaction): Promise<void> {
    let status: number;
    let data: unknown;
    let retryAfter: string | undefined;
    try {
      const res = await this.http.post(BALANCE_TRANSACTIONS_PATH, tx);
      status = res.status;
      data = res.data;
      retryAfter = res.headers['retry-after'] as string | undefined;
    } catch (err) {
      const reason = isAxiosError(err) ? (err.code ?? err.message) : String(err);
      throw new MoesifDeliveryError(`request to Moesif failed: ${reason}`, true, null, null, null);
    }
    if (status >= 200 && status < 300) return;
    const retryable = status === 429 || status >= 500 || status === 408;
    throw new MoesifDeliveryError(
      `Moesif answered ${status}`,
      retryable,
      status,
      bodyText(data),
      retryable ? parseRetryAfterMs(retryAfter, Date.now()) : null,
    );
  }
}
