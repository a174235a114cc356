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

/**
 * TCP keep-alive's first probe after this long idle. axios's http adapter sets it to 60 s on the
 * socket of every request (lib/adapters/http.js, `socket.setKeepAlive(true, 1000 * 60)`), and the
 * agent sets its own keepAliveMsecs (1 s by default) each time it takes the socket back; Node only
 * skips the setsockopt when the value is unchanged, so with the two disagreeing every request
 * paid two system calls (3.7% of the post thread's CPU in the bench's ingest phase). The same
 * value for both: one call per socket.
 */
const TCP_KEEPALIVE_MS = 60_000;

/** Kept-alive connections (at most `maxSockets` at once); status codes are classified by the caller, not thrown. */
export function createMoesifHttp(config: Pick<Config['moesif'], 'apiUrl' | 'apiKey' | 'timeoutMs'>, maxSockets: number): AxiosInstance {
  const agentOptions = { keepAlive: true, keepAliveMsecs: TCP_KEEPALIVE_MS, maxSockets };
  return axios.create({
    baseURL: config.apiUrl,
    timeout: config.timeoutMs,
    headers: { Authorization: `Bearer ${config.apiKey}`, 'Content-Type': 'application/json' },
    httpAgent: new http.Agent(agentOptions),
    httpsAgent: new https.Agent(agentOptions),
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
