import type { OutgoingEventRecord } from '../events-out-store.js';
import type { SqliteEventsOut } from './sqlite-events-out.js';
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
import type { Row } from '../rows.js';
import type { SqliteDb } from './sqlite-db.js';

const named = (columns: readonly string[]) => columns.map((c) => `@${c}`).join(', ');
const charged = CHARGED_OUTCOMES.map((o) => `'${o}'`).join(', ');

/** Auto-recharge settings, history and attempts on SQLite. */
export class SqliteAutoRecharge implements AutoRechargeStore {
  private readonly s;

  constructor(
    private readonly sql: SqliteDb,
    private readonly eventsOut: SqliteEventsOut,
  ) {
    this.s = {
      get: sql.prepare('SELECT * FROM auto_recharge_settings WHERE subscription_id = ?'),
      put: sql.prepare(
        `INSERT INTO auto_recharge_settings (${SETTING_COLUMNS.join(', ')}) VALUES (${named(SETTING_COLUMNS)})
         ON CONFLICT (subscription_id) DO UPDATE SET ${SETTING_COLUMNS.filter((c) => c !== 'subscription_id' && c !== 'created_at')
           .map((c) => `${c} = excluded.${c}`)
           .join(', ')}`,
      ),
      remove: sql.prepare('DELETE FROM auto_recharge_settings WHERE subscription_id = ?'),
      addHistory: sql.prepare('INSERT INTO auto_recharge_history (subscription_id, at, caller, change) VALUES (?, ?, ?, ?)'),
      history: sql.prepare('SELECT * FROM auto_recharge_history WHERE subscription_id = ? ORDER BY id DESC LIMIT ?'),
      setPause: sql.prepare(
        `UPDATE auto_recharge_settings SET pause_kind = @kind, pause_reason = @reason, pause_fingerprint = @fingerprint,
           pause_payment_intent_id = @pi, pause_since = @since, updated_at = @now WHERE subscription_id = @sub`,
      ),
      checked: sql.prepare('UPDATE auto_recharge_settings SET last_checked_at = ?, last_reason = ?, next_check_at = ? WHERE subscription_id = ?'),
      due: sql.prepare('SELECT * FROM auto_recharge_settings WHERE enabled = 1 AND next_check_at <= ? ORDER BY next_check_at LIMIT ?'),
      paused: sql.prepare('SELECT * FROM auto_recharge_settings WHERE enabled = 1 AND pause_kind = ? ORDER BY pause_since LIMIT ?'),
      attempts: sql.prepare('SELECT * FROM auto_recharge_attempts WHERE subscription_id = ? ORDER BY sequence DESC LIMIT ?'),
      claim: sql.prepare(`INSERT INTO auto_recharge_attempts (${ATTEMPT_COLUMNS.join(', ')}) VALUES (${named(ATTEMPT_COLUMNS)}) ON CONFLICT DO NOTHING`),
      retake: sql.prepare(
        `UPDATE auto_recharge_attempts SET outcome = 'in_flight', updated_at = ? WHERE id = ? AND outcome = ? AND updated_at < ?`,
      ),
      finish: sql.prepare(
        `UPDATE auto_recharge_attempts SET outcome = @outcome, reason = @reason, decline_code = @declineCode,
           payment_intent_id = @paymentIntentId, client_secret = @clientSecret, retry_at = @retryAt, updated_at = @now WHERE id = @id`,
      ),
      byPaymentIntent: sql.prepare('SELECT * FROM auto_recharge_attempts WHERE payment_intent_id = ? ORDER BY created_at DESC LIMIT 1'),
      chargedSince: sql.prepare(
        `SELECT COALESCE(SUM(amount_minor), 0) AS total FROM auto_recharge_attempts
         WHERE subscription_id = ? AND currency = ? AND created_at >= ? AND outcome IN (${charged})`,
      ),
      countSince: sql.prepare(
        `SELECT COUNT(*) AS n FROM auto_recharge_attempts WHERE subscription_id = ? AND created_at >= ? AND outcome <> 'failed'`,
      ),
      countByFingerprint: sql.prepare(
        `SELECT COUNT(*) AS n FROM auto_recharge_attempts WHERE card_fingerprint = ? AND created_at >= ? AND outcome <> 'failed'`,
      ),
    };
  }

  private history_(h: AutoRechargeHistoryRow): void {
    this.s.addHistory.run(h.subscriptionId, h.at, h.caller, JSON.stringify(h.change));
  }

  get(subscriptionId: string): Promise<AutoRechargeSetting | null> {
    return this.sql.read(() => {
      const row = this.s.get.get(subscriptionId) as Row | undefined;
      return row ? toSetting(row) : null;
    });
  }

  put(setting: AutoRechargeSetting, history: AutoRechargeHistoryRow): Promise<void> {
    return this.sql.write(() => {
      this.s.put.run(settingParams(setting));
      this.history_(history);
    });
  }

  remove(subscriptionId: string, history: AutoRechargeHistoryRow): Promise<boolean> {
    return this.sql.write(() => {
      const removed = this.s.remove.run(subscriptionId).changes === 1;
      if (removed) this.history_(history);
      return removed;
    });
  }

  history(subscriptionId: string, limit: number): Promise<AutoRechargeHistoryRow[]> {
    return this.sql.read(() => (this.s.history.all(subscriptionId, limit) as Row[]).map(toHistory));
  }

  setPause(subscriptionId: string, pause: AutoRechargePause | null, history: AutoRechargeHistoryRow, events: readonly OutgoingEventRecord[] = []): Promise<void> {
    return this.sql.write(() => {
      this.eventsOut.insertNow(events, history.at);
      this.s.setPause.run({
        sub: subscriptionId,
        kind: pause?.kind ?? null,
        reason: pause?.reason ?? null,
        fingerprint: pause?.cardFingerprint ?? null,
        pi: pause?.paymentIntentId ?? null,
        since: pause?.since ?? null,
        now: history.at,
      });
      this.history_(history);
    });
  }

  checked(subscriptionId: string, at: number, reason: string, nextCheckAt: number): Promise<void> {
    return this.sql.write(() => {
      this.s.checked.run(at, reason, nextCheckAt, subscriptionId);
    }, 'one');
  }

  listDue(now: number, limit: number): Promise<AutoRechargeSetting[]> {
    return this.sql.read(() => (this.s.due.all(now, limit) as Row[]).map(toSetting));
  }

  listByCompany(companyIds: readonly string[], limit: number): Promise<AutoRechargeSetting[]> {
    if (companyIds.length === 0) return Promise.resolve([]);
    return this.sql.read(() =>
      (
        this.sql
          .prepare(`SELECT * FROM auto_recharge_settings WHERE company_id IN (${companyIds.map(() => '?').join(', ')}) LIMIT ?`)
          .all(...companyIds, limit) as Row[]
      ).map(toSetting),
    );
  }

  listPaused(kind: AutoRechargePause['kind'], limit: number): Promise<AutoRechargeSetting[]> {
    return this.sql.read(() => (this.s.paused.all(kind, limit) as Row[]).map(toSetting));
  }

  listAttempts(subscriptionId: string, limit: number): Promise<AutoRechargeAttempt[]> {
    return this.sql.read(() => (this.s.attempts.all(subscriptionId, limit) as Row[]).map(toAttempt));
  }

  claimAttempt(attempt: AutoRechargeAttempt): Promise<boolean> {
    return this.sql.write(() => this.s.claim.run(attemptParams(attempt)).changes === 1, 'one');
  }

  retakeAttempt(id: string, from: AttemptOutcome, updatedBefore: number, now: number): Promise<boolean> {
    return this.sql.write(() => this.s.retake.run(now, id, from, updatedBefore).changes === 1, 'one');
  }

  finishAttempt(id: string, result: AttemptResult, now: number, events: readonly OutgoingEventRecord[] = []): Promise<void> {
    return this.sql.write(() => {
      this.s.finish.run({ ...result, id, now });
      this.eventsOut.insertNow(events, now);
    }, events.length > 0 ? 'several' : 'one');
  }

  getAttemptByPaymentIntent(paymentIntentId: string): Promise<AutoRechargeAttempt | null> {
    return this.sql.read(() => {
      const row = this.s.byPaymentIntent.get(paymentIntentId) as Row | undefined;
      return row ? toAttempt(row) : null;
    });
  }

  chargedSince(subscriptionId: string, currency: string, since: number): Promise<number> {
    return this.sql.read(() => Number((this.s.chargedSince.get(subscriptionId, currency, since) as { total: number }).total));
  }

  countSince(subscriptionId: string, since: number): Promise<number> {
    return this.sql.read(() => Number((this.s.countSince.get(subscriptionId, since) as { n: number }).n));
  }

  countByFingerprintSince(cardFingerprint: string, since: number): Promise<number> {
    return this.sql.read(() => Number((this.s.countByFingerprint.get(cardFingerprint, since) as { n: number }).n));
  }
}
