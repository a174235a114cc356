import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../src/ledger/ledger-entry.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { StoreFileInUseError } from '../../src/store/sqlite/store-file-lock.js';
import { describeAutoRechargeContract } from './auto-recharge-contract.js';
import { describeBillingSessionContract } from './billing-session-contract.js';
import { describeEventsOutContract } from './events-out-contract.js';
import { describeHistoryContract } from './history-contract.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('SQLite (in memory)', async () => new SqliteStore(':memory:'));
describeBillingSessionContract('SQLite (in memory)', async () => new SqliteStore(':memory:'));
describeHistoryContract('SQLite (in memory)', async () => new SqliteStore(':memory:'));
describeEventsOutContract('SQLite (in memory)', async () => new SqliteStore(':memory:'));

const dir = mkdtempSync(join(tmpdir(), 'topup-sync-store-'));
let n = 0;
describeStoreContract(
  'SQLite (file, WAL)',
  async () => new SqliteStore(join(dir, `store-${++n}.db`)),
  async () => rmSync(dir, { recursive: true, force: true }),
);

describe('SQLite file ownership (one service process per file)', () => {
  const ownDir = mkdtempSync(join(tmpdir(), 'topup-sync-owner-'));
  let k = 0;
  const fresh = () => join(ownDir, `owned-${++k}.db`);
  afterAll(() => rmSync(ownDir, { recursive: true, force: true }));

  const pending = (id: string): LedgerEntry => ({
    transactionId: id,
    kind: 'credit',
    customerId: 'cus_a',
    companyId: 'cus_a',
    subscriptionId: 'sub_a',
    amountMinor: 1000,
    currency: 'usd',
    credits: null,
    paymentIntentId: id,
    description: 'test',
  });

  it('a second owner of the same file is refused with an error naming the file; once the first closes it may open', async () => {
    const path = fresh();
    const first = new SqliteStore(path, { owner: true });
    let refused: unknown;
    try {
      new SqliteStore(path, { owner: true });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(StoreFileInUseError);
    expect((refused as Error).message).toContain(path);
    expect((refused as Error).message).toMatch(/in use by another process/);
    // An operator command shares the file with the owner.
    const operator = new SqliteStore(path);
    await operator.outbox.enqueue(pending('pi_shared'), 'top-up', Date.now());
    expect((await first.outbox.get('pi_shared'))?.state).toBe('pending');
    await operator.close();
    await first.close();
    const second = new SqliteStore(path, { owner: true });
    await second.close();
  });

  it('an owner creates the folder of a store that does not exist yet (a fresh clone has no data/)', async () => {
    const path = join(ownDir, 'not-yet', 'deeper', 'store.db');
    const store = new SqliteStore(path, { owner: true });
    await store.outbox.enqueue(pending('pi_new_dir'), 'top-up', Date.now());
    expect((await store.outbox.get('pi_new_dir'))?.state).toBe('pending');
    await store.close();
  });

  it('an owner opening the file releases every lease at once (they can only be a dead process\'s); an operator releases none', async () => {
    const path = fresh();
    const crashed = new SqliteStore(path, { owner: true });
    const now = Date.now();
    await crashed.outbox.enqueue(pending('pi_a'), 'top-up', now);
    await crashed.outbox.enqueue(pending('pi_b'), 'top-up', now);
    expect(await crashed.outbox.claimDue(now, 10, 60_000)).toHaveLength(2);
    await crashed.close(); // its claims are never finished, as after a SIGKILL

    const operator = new SqliteStore(path);
    expect(operator.releasedLeases).toBe(0);
    expect(await operator.outbox.claimDue(now + 1, 10, 60_000)).toEqual([]);
    await operator.close();

    const restarted = new SqliteStore(path, { owner: true });
    expect(restarted.releasedLeases).toBe(2);
    expect((await restarted.outbox.claimDue(now + 2, 10, 60_000)).map((c) => c.transactionId).sort()).toEqual(['pi_a', 'pi_b']);
    await restarted.close();
  });
});
describeAutoRechargeContract('SQLite (in memory)', async () => new SqliteStore(':memory:'));
