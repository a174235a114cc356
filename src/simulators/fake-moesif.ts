import express, { type Express } from 'express';
import { LoopbackServer } from './listen.js';

/**
 * A local stand-in for Moesif's Management API (balance transactions and subscription balances),
 * for the demo and the tests. It records every request, dedupes transactions by transaction_id as
 * Moesif does, and can be scripted to fail: a status code, 'timeout' (never answers) or 'reset'.
 */
export type ScriptedResponse = number | 'timeout' | 'reset';

export interface ReceivedTransaction {
  company_id: string;
  subscription_id: string;
  amount: number;
  type: string;
  transaction_id: string;
  description?: string;
  expire_at?: string;
  active_at?: string;
}

export interface FakeMoesifOptions {
  apiKey: string;
  /** Added before every answer, in ms. */
  latencyMs?: number;
  /** The clock usage is burned by (injectable, so tests and the soak can run days in seconds). */
  now?: () => number;
}

/** Metered usage eating a subscription's balance at a steady rate. */
interface Burn {
  creditsPerSecond: number;
  since: number;
  consumed: number;
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const REQUIRED: Record<string, 'string' | 'number'> = {
  company_id: 'string',
  subscription_id: 'string',
  amount: 'number',
  type: 'string',
  transaction_id: 'string',
};

export class FakeMoesif extends LoopbackServer {
  /** Every POST body received, in order, whatever was answered. */
  readonly requests: ReceivedTransaction[] = [];
  /** Every POST answered 2xx, in order (a transaction id twice here is a duplicate delivery). */
  readonly accepted: ReceivedTransaction[] = [];
  /** The ledger: one transaction per transaction_id, as Moesif dedupes. */
  readonly ledger = new Map<string, ReceivedTransaction>();
  /** When (on this fake's clock) each ledger transaction was first accepted. */
  readonly acceptedAt = new Map<string, number>();
  private script: ScriptedResponse[] = [];
  private readScript: ScriptedResponse[] = [];
  private latencyMs: number;
  private readonly burns = new Map<string, Burn>();
  private readonly now: () => number;

  constructor(private readonly options: FakeMoesifOptions) {
    super();
    this.latencyMs = options.latencyMs ?? 0;
    this.now = options.now ?? Date.now;
  }

  /**
   * From now on the subscription's API usage consumes `creditsPerSecond` (0 stops it), as metered
   * usage does in Moesif. Usage stops at a zero available balance: Moesif's governance rule
   * blocks the company there, so nothing more is metered until credits arrive.
   */
  burn(subscriptionId: string, creditsPerSecond: number): void {
    const burn = this.settle(subscriptionId);
    if (burn) burn.creditsPerSecond = creditsPerSecond;
    else this.burns.set(subscriptionId, { creditsPerSecond, since: this.now(), consumed: 0 });
  }

  /** Credits consumed by usage so far. */
  burned(subscriptionId: string): number {
    return this.settle(subscriptionId)?.consumed ?? 0;
  }

  /** The next balance reads get these answers, in order; afterwards normal answers again. */
  respondToReadsWith(...responses: ScriptedResponse[]): void {
    this.readScript.push(...responses);
  }

  /** Brings a burn up to now: usage since the last settlement, never below a zero balance. */
  private settle(subscriptionId: string): Burn | undefined {
    const burn = this.burns.get(subscriptionId);
    if (!burn) return undefined;
    const now = this.now();
    const wanted = (burn.creditsPerSecond * Math.max(0, now - burn.since)) / 1000;
    burn.consumed += Math.min(wanted, Math.max(0, this.ledgerTotal(subscriptionId) - burn.consumed));
    burn.since = now;
    return burn;
  }

  /** The Management API base URL to configure as MOESIF_API_URL. */
  get apiUrl(): string {
    return `${this.url}/v1`;
  }

  /** The next POSTs get these answers, in order; afterwards 204 again. */
  respondWith(...responses: ScriptedResponse[]): void {
    this.script.push(...responses);
  }

  /** Drops any scripted answers still queued: from now on every POST is accepted. */
  respondNormally(): void {
    this.script = [];
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /** Transactions accepted more than once (each extra acceptance counted). */
  get duplicateCount(): number {
    return this.accepted.length - this.ledger.size;
  }

  /**
   * What the ledger holds for a subscription at `at` (unix ms), before metered usage:
   * credits and promotions count from their `active_at` until their `expire_at` (Moesif's
   * createBalanceTransaction takes both as optional date-times: a credit not yet active is not
   * spendable, an expired one is gone); debits subtract; an adjustment adds its signed amount.
   * Simplified: an expired transaction drops its whole amount (Moesif drops what is left of it,
   * and does not document which bucket usage spends first).
   */
  ledgerTotal(subscriptionId: string, at: number = this.now()): number {
    let total = 0;
    for (const tx of this.ledger.values()) {
      if (tx.subscription_id !== subscriptionId) continue;
      if (tx.active_at !== undefined && Date.parse(tx.active_at) > at) continue;
      if (tx.expire_at !== undefined && Date.parse(tx.expire_at) <= at) continue;
      total += tx.type === 'debit' ? -tx.amount : tx.amount;
    }
    return Math.round(total * 1e6) / 1e6;
  }

  /** The ledger at `at` minus burned usage, as Moesif's available balance would show it. */
  balanceOf(subscriptionId: string, at?: number): number {
    const burned = this.settle(subscriptionId)?.consumed ?? 0;
    return Math.round((this.ledgerTotal(subscriptionId, at) - burned) * 1e6) / 1e6;
  }

  protected buildApp(): Express {
    const app = express();
    app.use(express.json({ limit: '1mb' }));
    app.use((_req, _res, next) => {
      if (this.latencyMs > 0) setTimeout(next, this.latencyMs);
      else next();
    });
    app.post('/v1/~/billing/reports/balance_transactions', (req, res) => {
      if (req.get('authorization') !== `Bearer ${this.options.apiKey}`) {
        res.status(401).json({ message: 'Unauthorized' });
        return;
      }
      const body = req.body as Record<string, unknown>;
      this.requests.push(body as unknown as ReceivedTransaction);
      const scripted = this.script.shift();
      if (scripted === 'timeout') return; // never answer
      if (scripted === 'reset') {
        req.socket.destroy();
        return;
      }
      if (typeof scripted === 'number' && scripted >= 300) {
        if (scripted === 429) res.setHeader('Retry-After', '1');
        res.status(scripted).json({ message: `scripted ${scripted}` });
        return;
      }
      for (const [field, type] of Object.entries(REQUIRED)) {
        if (typeof body[field] !== type) {
          res.status(400).json({ message: `${field} must be a ${type}` });
          return;
        }
      }
      // active_at and expire_at are optional date-times in Moesif's API; anything else is refused.
      for (const field of ['active_at', 'expire_at']) {
        const value = body[field];
        if (value !== undefined && (typeof value !== 'string' || !ISO_DATE_TIME.test(value) || Number.isNaN(Date.parse(value)))) {
          res.status(400).json({ message: `${field} must be a date-time` });
          return;
        }
      }
      const tx = body as unknown as ReceivedTransaction;
      // Usage up to now was metered against the balance before this transaction.
      this.settle(tx.subscription_id);
      this.accepted.push(tx);
      if (!this.ledger.has(tx.transaction_id)) {
        this.ledger.set(tx.transaction_id, tx);
        this.acceptedAt.set(tx.transaction_id, this.now());
      }
      res.status(scripted ?? 204).end();
    });
    app.get('/v1/search/~/subscriptions/:id', (req, res) => {
      if (req.get('authorization') !== `Bearer ${this.options.apiKey}`) {
        res.status(401).json({ message: 'Unauthorized' });
        return;
      }
      const scripted = this.readScript.shift();
      if (scripted === 'timeout') return;
      if (scripted === 'reset') {
        req.socket.destroy();
        return;
      }
      if (typeof scripted === 'number') {
        res.status(scripted).json({ message: `scripted ${scripted}` });
        return;
      }
      const current = this.balanceOf(req.params.id);
      res.json({
        subscription_id: req.params.id,
        balance: { current_balance: current, pending_activity: 0, available_balance: current, last_modified: new Date().toISOString() },
      });
    });
    return app;
  }
}
