import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import type { Config } from '../config/config.js';
import { MoesifDeliveryError } from './moesif-errors.js';
import { parseRetryAfterMs } from './retry-after.js';

/**
 * The HTTP side of Moesif's Management API: the axios instance and the balance-transaction POST.
 * Kept apart from moesif-ledger.ts (what a transaction says) so the post thread loads only this.
 */

const BALANCE_TRANSACTIONS_PATH = '/~/billing/reports/balance_transactions';
const MAX_KEPT_BODY = 2_000;

/** Moesif's wire format for a balance transaction (createBalanceTransaction). */
export interface MoesifBalanceTransaction {
  company_id: string;
  subscription_id: string;
  amount: number;
  type: string;
  transaction_id: string;
  description: string;
  /** ISO date-time from which Moesif counts the credits (optional in Moesif's API). */
  active_at?: string;
  /** ISO date-time at which Moesif expires what is left of them (optional). */
  expire_at?: string;
}

/** Kept-alive connections (at most `maxSockets` at once); status codes are classified by the caller, not thrown. */
export function createMoesifHttp(config: Pick<Config['moesif'], 'apiUrl' | 'apiKey' | 'timeoutMs'>, maxSockets: number): AxiosInstance {
  return axios.create({
    baseURL: config.apiUrl,
    timeout: config.timeoutMs,
    headers: { Authorization: `Bearer ${config.apiKey}`, 'Content-Type': 'application/json' },
    httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets }),
    validateStatus: () => true,
    maxRedirects: 0,
    responseType: 'text',
    transitional: { clarifyTimeoutError: true },
  });
}

/** Moesif's answer body for an operator (truncated), or null. */
export function bodyText(data: unknown): string | null {
  if (data === undefined || data === null || data === '') return null;
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return text.length > MAX_KEPT_BODY ? `${text.slice(0, MAX_KEPT_BODY)}…` : text;
}

/** Resolves on a 2xx; otherwise a MoesifDeliveryError saying whether to retry. */
export async function postBalanceTransaction(client: AxiosInstance, tx: MoesifBalanceTransaction): Promise<void> {
  let status: number;
  let data: unknown;
  let retryAfter: string | undefined;
  try {
    const res = await client.post(BALANCE_TRANSACTIONS_PATH, tx);
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
