import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { describeAutoRechargeContract } from './auto-recharge-contract.js';
import { describeBillingSessionContract } from './billing-session-contract.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('SQLite (in memory)', async () => new SqliteStore(':memory:'));
describeBillingSessionContract('SQLite (in memory)', async () => new SqliteStore(':memory:'));

const dir = mkdtempSync(join(tmpdir(), 'topup-sync-store-'));
let n = 0;
describeStoreContract(
  'SQLite (file, WAL)',
  async () => new SqliteStore(join(dir, `store-${++n}.db`)),
  async () => rmSync(dir, { recursive: true, force: true }),
);

describeAutoRechargeContract('SQLite (in memory)', async () => new SqliteStore(':memory:'));
