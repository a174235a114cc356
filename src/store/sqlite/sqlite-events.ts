import type { LedgerEntry } from '../../ledger/ledger-entry.js';
import type { EventStore, RecordEventResult, StripeEventRecord } from '../event-store.js';
import { toStripeEvent, type Row } from '../rows.js';
import type { SqliteDb } from './sqlite-db.js';
import type { SqliteEventsOut } from './sqlite-events-out.js';
import type { SqliteOutbox } from './sqlite-outbox.js';
import type { OutgoingEventRecord } from '../events-out-store.js';

/** Stripe events on SQLite; an event and the entries it implies commit together. */
export class SqliteEvents implements EventStore {
  private readonly s;

  constructor(
    private readonly sql: SqliteDb,
    private readonly outbox: SqliteOutbox,
    private readonly eventsOut: SqliteEventsOut,
  ) {
    this.s = {
      insert: sql.prepare(
        `INSERT INTO stripe_events (id, type, created_s, livemode, payload, outcome, note, received_at)
         VALUES (@id, @type, @created, @livemode, @payload, @outcome, @note, @now) ON CONFLICT (id) DO NOTHING`,
      ),
      get: sql.prepare('SELECT * FROM stripe_events WHERE id = ?'),
    };
  }

  record(
    event: StripeEventRecord,
    entries: readonly LedgerEntry[],
    now: number,
    outgoing: readonly OutgoingEventRecord[] = [],
  ): Promise<RecordEventResult> {
    return this.sql.write((): RecordEventResult => {
      const inserted = this.s.insert.run({ ...event, livemode: event.livemode ? 1 : 0, now }).changes === 1;
      if (!inserted) return { duplicate: true, queued: 0 };
      let queued = 0;
      for (const entry of entries) if (this.outbox.insertNow(entry, `event:${event.id}`, now)) queued += 1;
      this.eventsOut.insertNow(outgoing, now);
      return { duplicate: false, queued };
    });
  }

  get(eventId: string): Promise<StripeEventRecord | null> {
    return this.sql.read(() => {
      const r = this.s.get.get(eventId) as Row | undefined;
      return r ? toStripeEvent(r) : null;
    });
  }
}
