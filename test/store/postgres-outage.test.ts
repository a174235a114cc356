import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, topUpPaymentIntent, waitFor, type Harness } from '../support/harness.js';
import { expectErrorShape, succeededEvent } from '../webhooks/webhook-helpers.js';
import { TcpProxy } from './tcp-proxy.js';
import { ThrowawayDatabase } from './throwaway-database.js';

/**
 * The README's promise on PostgreSQL: while the store cannot be reached or used, a webhook is
 * answered 503 store_unavailable (Stripe retries it), never 500; once the database is back, the
 * redelivered event is recorded once. Each case provokes the real failure on a database and role
 * of its own (t9_…), dropped afterwards.
 */
const postgresUnavailable = await ThrowawayDatabase.unavailableReason();

/** The driver codes of the store failures the webhook requests logged (StoreUnavailableError.driverCode). */
function loggedCodes(h: Harness): (string | null)[] {
  return h.logs.lines
    .map((l) => JSON.parse(l) as { requestId?: string; err?: { type?: string; driverCode?: string | null; message?: string } })
    .filter((l) => l.requestId && l.err?.type === 'StoreUnavailableError')
    .map((l) => l.err!.driverCode ?? l.err!.message ?? null);
}

describe.skipIf(postgresUnavailable !== null)('PostgreSQL outages → 503 store_unavailable', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function serviceOn(db: ThrowawayDatabase, url = db.url()): Promise<Harness> {
    const h = await startHarness({ env: { DATABASE_URL: url, LOG_LEVEL: 'error' } });
    cleanup.push(() => h.stop());
    const warmUp = succeededEvent(h, topUpPaymentIntent());
    expect((await h.postEvent(warmUp)).status).toBe(200);
    return h;
  }

  async function throwaway(): Promise<ThrowawayDatabase> {
    const db = await ThrowawayDatabase.create();
    cleanup.push(() => db.drop());
    return db;
  }

  /**
   * The outage answer, then (the database back) the same event redelivered by Stripe is recorded
   * once. Readiness is asked first: its ping finds the pooled connections dead and makes a new
   * one, so the webhook meets the outage itself (a refused connection), not a session the pool has
   * not yet noticed was terminated.
   */
  async function expectOutageThenRecovery(h: Harness, restore: () => Promise<void>): Promise<void> {
    await waitFor(async () => (await h.http.get('/readyz')).status === 503, 10_000, 'readiness to see the outage');
    const event = succeededEvent(h, topUpPaymentIntent());
    const refused = await h.postEvent(event);
    expectErrorShape(refused, 503, 'store_unavailable');
    await restore();
    await waitFor(async () => (await h.http.get('/readyz')).status === 200, 10_000, 'ready again');
    const redelivered = await h.postEvent(event);
    expect(redelivered.status).toBe(200);
    expect(redelivered.body.outcome).toBe('queued');
    expect((await h.postEvent(event)).body.outcome).toBe('duplicate');
  }

  it('the database refuses connections (ALLOW_CONNECTIONS false) and its sessions are terminated: 55000 / 57P01', async () => {
    const db = await throwaway();
    const h = await serviceOn(db);
    await db.allowConnections(false);
    await db.terminateSessions();
    await expectOutageThenRecovery(h, () => db.allowConnections(true));
    expect(loggedCodes(h)).toContain('55000');
  });

  it('the session running the webhook’s insert is terminated mid-query: 57P01', async () => {
    const db = await throwaway();
    const h = await serviceOn(db);
    const event = succeededEvent(h, topUpPaymentIntent());
    // Another session inserts the same event id and keeps its transaction open: the service's
    // insert waits for it (unique key), and is terminated while it waits.
    const blocker = new pg.Client({ connectionString: db.url() });
    await blocker.connect();
    cleanup.push(() => blocker.end());
    await blocker.query('BEGIN');
    await blocker.query(
      `INSERT INTO stripe_events (id, type, created_s, livemode, payload, outcome, note, received_at) VALUES ($1, 'x', 0, false, '{}', 'ignored', '', 0)`,
      [event.id],
    );
    const blockerPid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const pending = h.postEvent(event).then((r) => r);
    await waitFor(
      async () => (await db.sql(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [db.name])).rowCount === 1,
      5_000,
      'the webhook insert waiting for the lock',
    );
    await db.sql('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid NOT IN (pg_backend_pid(), $2)', [db.name, blockerPid]);
    expectErrorShape(await pending, 503, 'store_unavailable');
    expect(loggedCodes(h)).toEqual(['57P01']);
    await blocker.query('ROLLBACK');
    const redelivered = await h.postEvent(event);
    expect(redelivered.body.outcome).toBe('queued');
  });

  it('too many connections for the role (CONNECTION LIMIT reached): 53300', async () => {
    const db = await throwaway();
    const h = await serviceOn(db);
    await db.connectionLimit(0);
    await db.terminateSessions();
    await expectOutageThenRecovery(h, () => db.connectionLimit(-1));
    expect(loggedCodes(h)).toContain('53300');
  });

  it('the server cannot be reached (connections cut, then refused)', async () => {
    const db = await throwaway();
    const proxy = await new TcpProxy(db.serverAddress).open();
    cleanup.push(() => proxy.close());
    const h = await serviceOn(db, db.url(proxy.hostPort));
    await proxy.close();
    await expectOutageThenRecovery(h, async () => {
      await proxy.open();
    });
    expect(loggedCodes(h).join(' ')).toMatch(/ECONNREFUSED|Connection terminated/);
  });
});

if (postgresUnavailable) {
  describe('PostgreSQL outages', () => {
    it.skip(`skipped: ${postgresUnavailable}`, () => {});
  });
}
