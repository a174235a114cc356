import type { Config } from '../config/config.js';
import type { MoesifBalanceTransaction } from './moesif-http.js';

/** What the post thread is started with (structured-cloned: plain data only). */
export interface PostThreadSettings {
  moesif: Config['moesif'];
  maxSockets: number;
}

/** Main thread → post thread, several per message. */
export interface PostRequest {
  id: number;
  tx: MoesifBalanceTransaction;
}

/** Post thread → main thread, several per message: a MoesifDeliveryError's fields when it failed. */
export type PostResult =
  | { id: number; ok: true }
  | { id: number; ok: false; message: string; retryable: boolean; status: number | null; responseBody: string | null; retryAfterMs: number | null };
