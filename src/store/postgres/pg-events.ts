import type { LedgerEntry } from '../../ledger/ledger-entry.js';
import type { EventStore, RecordEventResult, StripeEventRecord } from '../event-store.js';
import { toStripeEvent } from '../rows.js';
import type { PgDb } from './pg-db.js';
import { insertEventsOut } from './pg-events-out.js';
import { insertOutboxEntry } from './pg-outbox.js';
import type { OutgoingEventRecord } from '../events-out-store.js';

/** Stripe events on PostgreSQL; an event and the entries it implies commit together. */
export class PgEvents implements EventStore {
  constructor(private readonly db: PgDb) {}

  record(
    event: StripeEventRecord,
    entries: readonly LedgerEntry[],
    now: number,
    outgoing: readonly OutgoingEventRecord[] = [],
  ): Promise<RecordEventResult> {
    return this.db.transaction(async (client) => {
      const inserted = await client.query(
        `INSERT INTO stripe_events (id, type, created_s, livemode, payload, outcome, note, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
        [event.id, event.type, event.created, event.livemode, event.payload, event.outcome, event.note, now],
      );
      if (inserted.rowCount === 0) return { duplicate: true, queued: 0 };
      let queued = 0;
      for (const entry of entries) if (await insertOutboxEntry(client, entry, `event:${event.id}`, now)) queued += 1;
      await insertEventsOut(client, outgoing, now);
      return { duplicate: false, queued };
    });
  }

  async get(eventId: string): Promise<StripeEventRecord | null> {
    const { rows } = await this.db.query('SELECT * FROM stripe_events WHERE id = $1', [eventId]);
    return rows[0] ? toStripeEvent(rows[0]) : null;
  }
}
