import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { settingFixture } from '../store/auto-recharge-contract.js';
import { testEnv } from '../support/harness.js';
import { cleanupCli, killCliChildren, parseJson, runCli, tempDir } from './run-cli.js';

/** `npm run admin -- auto-recharge …` as a child process, on a SQLite file holding one suspended setting. */
describe('npm run admin: auto-recharge', () => {
  let databasePath: string;
  beforeAll(async () => {
    databasePath = join(tempDir('topup-sync-ar-cli-'), 'admin.db');
    const store = new SqliteStore(databasePath);
    const history = { subscriptionId: 'sub_a', at: 1, caller: 'system', change: {} };
    await store.autoRecharge.put(settingFixture(), history);
    await store.autoRecharge.setPause('sub_a', { kind: 'suspended', reason: 'hard_decline:lost_card', cardFingerprint: 'fp', paymentIntentId: null, since: 5 }, history);
    await store.autoRecharge.put(settingFixture({ subscriptionId: 'sub_b' }), { ...history, subscriptionId: 'sub_b' });
    await store.close();
  });
  afterEach(() => killCliChildren());
  afterAll(() => cleanupCli());

  // The CLI never calls the fakes for these commands; their URLs only have to parse.
  const fakes = { url: 'http://127.0.0.1:9', apiUrl: 'http://127.0.0.1:9/v1' };
  const admin = (...args: string[]) => runCli('cli/admin.ts', args, testEnv(fakes, fakes, { DATABASE_URL: `sqlite:${databasePath}`, LOG_LEVEL: 'silent' }));

  it('lists suspended subscriptions with their reason, resumes one, and says so when there is nothing to resume', async () => {
    const list = await admin('auto-recharge', 'suspended');
    expect(list.code, list.stderr).toBe(0);
    expect(parseJson(list)).toEqual([expect.objectContaining({ subscription_id: 'sub_a', state: 'suspended', reason: 'hard_decline:lost_card' })]);
    const resumed = await admin('auto-recharge-resume', 'sub_a');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(parseJson(resumed)).toEqual({ resumed: 'sub_a' });
    const again = await admin('auto-recharge-resume', 'sub_a');
    expect(again.code).toBe(1);
    expect(parseJson((await admin('auto-recharge')))).toEqual([]);
  }, 120_000);
});
