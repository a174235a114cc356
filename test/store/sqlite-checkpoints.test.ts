import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../src/ledger/ledger-entry.js';
import { CheckpointThread } from '../../src/store/sqlite/checkpoint-thread.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/**
 * The service's store checkpoints its WAL from a worker thread: the thread that acknowledges
 * webhooks never copies pages into the database file nor fsyncs it, and the WAL still stays small.
 */
describe('SQLite WAL checkpoints on a worker thread (the service’s own store)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'topup-sync-checkpoints-'));
  let k = 0;
  const fresh = () => join(dir, `store-${++k}.db`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const entry = (id: string): LedgerEntry => ({
    transactionId: id,
    kind: 'credit',
    customerId: `cus_${id}`,
    companyId: `cus_${id}`,
    subscriptionId: `sub_${id}`,
    amountMinor: 1000,
    currency: 'usd',
    credits: null,
    paymentIntentId: id,
    description: 'checkpoint test',
  });
  const autocheckpoint = (store: SqliteStore) =>
    (store as unknown as { sql: { db: Database.Database } }).sql.db.pragma('wal_autocheckpoint', { simple: true }) as number;
  const waitUntil = async (what: string, ok: () => boolean) => {
    const until = Date.now() + 10_000;
    while (!ok()) {
      if (Date.now() > until) throw new Error(`timed out waiting: ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('the thread copies the WAL into the file as writes arrive; the WAL stays under the backstop', async () => {
    const path = fresh();
    const store = new SqliteStore(path, { owner: true });
    await waitUntil('the thread is ready', () => autocheckpoint(store) === CheckpointThread.BACKSTOP_PAGES);
    // 20,000 entries in groups of 50: on its own the connection would checkpoint dozens of times.
    for (let g = 0; g < 400; g++) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.outbox.enqueue(entry(`pi_${g}_${i}`), 'top-up', Date.now())));
    }
    // The service's connection checkpoints the tail at the backstop, and the WAL starts over.
    expect(statSync(`${path}-wal`).size).toBeLessThan((CheckpointThread.BACKSTOP_PAGES + 1_000) * 4096);
    // The thread copied the WAL as it grew: at least four backstops' worth of frames (the service's
    // connection copies only each cycle's tail), so all but a few of the frames written.
    const thread = (store as unknown as { sql: { checkpoints: CheckpointThread } }).sql.checkpoints;
    const written = statSync(path).size / 4096;
    await waitUntil('the thread copied most of the WAL', () => thread.copiedFrames > written);
    expect((await store.outbox.countByState()).pending).toBe(20_000);
    await store.close();
    // Everything is in the database file itself.
    const reopened = new Database(path, { readonly: true });
    expect(reopened.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 20_000 });
    reopened.close();
  });

  it('if the thread stops, the connection goes back to checkpointing itself, and the problem is reported', async () => {
    const problems: string[] = [];
    const store = new SqliteStore(fresh(), { owner: true, onCheckpointProblem: (m) => problems.push(m) });
    await waitUntil('the thread is ready', () => autocheckpoint(store) === CheckpointThread.BACKSTOP_PAGES);
    const thread = (store as unknown as { sql: { checkpoints: { worker: Worker } } }).sql.checkpoints;
    await thread.worker.terminate();
    await waitUntil('the default threshold is back', () => autocheckpoint(store) === 1_000);
    expect(problems).toEqual([expect.stringMatching(/checkpoint thread stopped/)]);
    await store.outbox.enqueue(entry('pi_after'), 'top-up', Date.now());
    await store.close();
  });

  it('operator commands and in-memory stores start no thread', async () => {
    const path = fresh();
    const owner = new SqliteStore(path, { owner: true });
    const operator = new SqliteStore(path);
    expect((operator as unknown as { sql: { checkpoints: unknown } }).sql.checkpoints).toBeNull();
    expect(autocheckpoint(operator)).toBe(1_000);
    await operator.close();
    await owner.close();
    const memory = new SqliteStore(':memory:', { owner: true });
    expect((memory as unknown as { sql: { checkpoints: unknown } }).sql.checkpoints).toBeNull();
    await memory.close();
  });
});
