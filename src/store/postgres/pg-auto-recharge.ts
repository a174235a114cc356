import type { OutgoingEventRecord } from '../events-out-store.js';
import { insertEventsOut } from './pg-events-out.js';
import {
  CHARGED_OUTCOMES,
  type AttemptOutcome,
  type AttemptResult,
  type AutoRechargeAttempt,
  type AutoRechargeHistoryRow,
  type AutoRechargePause,
  type AutoRechargeSetting,
  type AutoRechargeStore,
} from '../auto-recharge-store.js';
import { ATTEMPT_COLUMNS, attemptParams, SETTING_COLUMNS, settingParams, toAttempt, toHistory, toSetting } from '../auto-recharge-rows.js';
import type { PgDb, Queryable } from './pg-db.js';

const positional = (n: number) => Array.from({ length: n }, (_, i) => `$${i + 1}`).join(', ');
const charged = CHARGED_OUTCOMES.map((o) => `'${o}'`).join(', ');

const PUT = `INSERT INTO auto_recharge_settings (${SETTING_COLUMNS.join(', ')}) VALUES (${positional(SETTING_COLUMNS.length)})
  ON CONFLICT (subscription_id) DO UPDATE SET ${SETTING_COLUMNS.filter((c) => c !== 'subscription_id' && c !== 'created_at')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;
const CLAIM = `INSERT INTO auto_recharge_attempts (${ATTEMPT_COLUMNS.join(', ')}) VALUES (${positional(ATTEMPT_COLUMNS.length)}) ON CONFLICT DO NOTHING`;

function settingValues(s: AutoRechargeSetting): unknown[] {
  const p = settingParams(s);
  return SETTING_COLUMNS.map((c) => (c === 'enabled' ? s.enabled : p[c as keyof typeof p]));
}

async function addHistory(db: Queryable, h: AutoRechargeHistoryRow): Promise<void> {
  await db.query('INSERT INTO auto_recharge_history (subscription_id, at, caller, change) VALUES ($1, $2, $3, $4)', [
    h.subscriptionId,
    h.at,
    h.caller,
    JSON.stringify(h.change),
  ]);
}

/** Auto-recharge settings, history and attempts on PostgreSQL. */
export class PgAutoRecharge implements AutoRechargeStore {
  constructor(private readonly db: PgDb) {}

  async get(subscriptionId: string): Promise<AutoRechargeSetting | null> {
    const { rows } = await this.db.query('SELECT * FROM auto_recharge_settings WHERE subscription_id = $1', [subscriptionId]);
    return rows[0] ? toSetting(rows[0]) : null;
  }

  put(setting: AutoRechargeSetting, history: AutoRechargeHistoryRow): Promise<void> {
    return this.db.transaction(async (client) => {
      await client.query(PUT, settingValues(setting));
      await addHistory(client, history);
    });
  }

  remove(subscriptionId: string, history: AutoRechargeHistoryRow): Promise<boolean> {
    return this.db.transaction(async (client) => {
      const r = await client.query('DELETE FROM auto_recharge_settings WHERE subscription_id = $1', [subscriptionId]);
      if (r.rowCount !== 1) return false;
      await addHistory(client, history);
      return true;
    });
  }

  async history(subscriptionId: string, limit: number): Promise<AutoRechargeHistoryRow[]> {
    const { rows } = await this.db.query('SELECT * FROM auto_recharge_history WHERE subscription_id = $1 ORDER BY id DESC LIMIT $2', [
      subscriptionId,
      limit,
    ]);
    return rows.map(toHistory);
  }

  setPause(subscriptionId: string, pause: AutoRechargePause | null, history: AutoRechargeHistoryRow, events: readonly OutgoingEventRecord[] = []): Promise<void> {
    return this.db.transaction(async (client) => {
      await insertEventsOut(client, events, history.at);
      await client.query(
        `UPDATE auto_recharge_settings SET pause_kind = $2, pause_reason = $3, pause_fingerprint = $4,
           pause_payment_intent_id = $5, pause_since = $6, updated_at = $7 WHERE subscription_id = $1`,
        [subscriptionId, pause?.kind ?? null, pause?.reason ?? null, pause?.cardFingerprint ?? null, pause?.paymentIntentId ?? null, pause?.since ?? null, history.at],
      );
      await addHistory(client, history);
    });
  }

  async checked(subscriptionId: string, at: number, reason: string, nextCheckAt: number): Promise<void> {
    await this.db.query('UPDATE auto_recharge_settings SET last_checked_at = $1, last_reason = $2, next_check_at = $3 WHERE subscription_id = $4', [
      at,
      reason,
      nextCheckAt,
      subscriptionId,
    ]);
  }

  async listDue(now: number, limit: number): Promise<AutoRechargeSetting[]> {
    const { rows } = await this.db.query(
      'SELECT * FROM auto_recharge_settings WHERE enabled AND next_check_at <= $1 ORDER BY next_check_at LIMIT $2',
      [now, limit],
    );
    return rows.map(toSetting);
  }

  async listByCompany(companyIds: readonly string[], limit: number): Promise<AutoRechargeSetting[]> {
    if (companyIds.length === 0) return [];
    const { rows } = await this.db.query('SELECT * FROM auto_recharge_settings WHERE company_id = ANY($1) LIMIT $2', [[...companyIds], limit]);
    return rows.map(toSetting);
  }

  async listPaused(kind: AutoRechargePause['kind'], limit: number): Promise<AutoRechargeSetting[]> {
    const { rows } = await this.db.query(
      'SELECT * FROM auto_recharge_settings WHERE enabled AND pause_kind = $1 ORDER BY pause_since LIMIT $2',
      [kind, limit],
    );
    return rows.map(toSetting);
  }

  async listAttempts(subscriptionId: string, limit: number): Promise<AutoRechargeAttempt[]> {
    const { rows } = await this.db.query('SELECT * FROM auto_recharge_attempts WHERE subscription_id = $1 ORDER BY sequence DESC LIMIT $2', [
      subscriptionId,
      limit,
    ]);
    return rows.map(toAttempt);
  }

  async claimAttempt(attempt: AutoRechargeAttempt): Promise<boolean> {
    const p = attemptParams(attempt);
    const r = await this.db.query(CLAIM, ATTEMPT_COLUMNS.map((c) => p[c as keyof typeof p]));
    return r.rowCount === 1;
  }

  async retakeAttempt(id: string, from: AttemptOutcome, updatedBefore: number, now: number): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE auto_recharge_attempts SET outcome = 'in_flight', updated_at = $1 WHERE id = $2 AND outcome = $3 AND updated_at < $4`,
      [now, id, from, updatedBefore],
    );
    return r.rowCount === 1;
  }

  async finishAttempt(id: string, result: AttemptResult, now: number, events: readonly OutgoingEventRecord[] = []): Promise<void> {
    const finish = (db: Pick<PgDb, 'query'>) =>
      db.query(
        `UPDATE auto_recharge_attempts SET outcome = $2, reason = $3, decline_code = $4, payment_intent_id = $5,
           client_secret = $6, retry_at = $7, updated_at = $8 WHERE id = $1`,
        [id, result.outcome, result.reason, result.declineCode, result.paymentIntentId, result.clientSecret, result.retryAt, now],
      );
    if (events.length === 0) {
      await finish(this.db);
      return;
    }
    await this.db.transaction(async (client) => {
      await finish(client);
      await insertEventsOut(client, events, now);
    });
  }

  async getAttemptByPaymentIntent(paymentIntentId: string): Promise<AutoRechargeAttempt | null> {
    const { rows } = await this.db.query(
      'SELECT * FROM auto_recharge_attempts WHERE payment_intent_id = $1 ORDER BY created_at DESC LIMIT 1',
      [paymentIntentId],
    );
    return rows[0] ? toAttempt(rows[0]) : null;
  }

  async chargedSince(subscriptionId: string, currency: string, since: number): Promise<number> {
    const { rows } = await this.db.query(
      `SELECT COALESCE(SUM(amount_minor), 0) AS total FROM auto_recharge_attempts
       WHERE subscription_id = $1 AND currency = $2 AND created_at >= $3 AND outcome IN (${charged})`,
      [subscriptionId, currency, since],
    );
    return Number(rows[0]!.total);
  }

  async countSince(subscriptionId: string, since: number): Promise<number> {
    const { rows } = await this.db.query(
      `SELECT COUNT(*) AS n FROM auto_recharge_attempts WHERE subscription_id = $1 AND created_at >= $2 AND outcome <> 'failed'`,
      [subscriptionId, since],
    );
    return Number(rows[0]!.n);
  }

  async countByFingerprintSince(cardFingerprint: string, since: number): Promise<number> {
    const { rows } = await this.db.query(
      `SELECT COUNT(*) AS n FROM auto_recharge_attempts WHERE card_fingerprint = $1 AND created_at >= $2 AND outcome <> 'failed'`,
      [cardFingerprint, since],
    );
    return Number(rows[0]!.n);
  }
}
