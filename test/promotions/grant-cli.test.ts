import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startHarness, testEnv, waitFor, type Harness } from '../support/harness.js';
import { cleanupCli, killCliChildren, parseJson, runCli, tempDir } from '../operations/run-cli.js';
import { EVENT_SECRET, EventReceiver } from '../outgoing-events/event-receiver.js';

/**
 * `npm run admin -- grant/adjust/events/replay-event` as a child process on the service's SQLite
 * file: the operator's way to do what POST /admin/grants and /admin/outgoing-events do.
 */
describe('npm run admin: grant, adjust, outgoing events (CLI, child process)', () => {
  let h: Harness;
  let receiver: EventReceiver;
  let databasePath: string;
  let deadEventId: string;

  beforeAll(async () => {
    databasePath = join(tempDir('topup-sync-grant-cli-'), 'grants.db');
    receiver = await new EventReceiver().start();
    receiver.answer = 400;
    h = await startHarness({
      env: { DATABASE_URL: `sqlite:${databasePath}`, LOG_LEVEL: 'silent', EVENT_WEBHOOK_URLS: receiver.hookUrl, EVENT_WEBHOOK_SECRET: EVENT_SECRET },
    });
    h.service.eventWorker?.start();
    const res = await h.http
      .post('/admin/grants')
      .set('Authorization', `Bearer ${ADMIN_KEY}`)
      .set('Idempotency-Key', 'seed')
      .send({ customer_id: 'cus_alice', amount: 1 });
    expect(res.status).toBe(201);
    await waitFor(async () => (await h.service.store.eventsOut.list({ state: 'dead', limit: 5 })).length === 1, 5_000, 'a dead event');
    deadEventId = (await h.service.store.eventsOut.list({ state: 'dead', limit: 5 }))[0]!.eventId;
    await h.service.close();
  });
  afterEach(async () => {
    await killCliChildren();
  });
  afterAll(async () => {
    await cleanupCli();
    await h?.stripe.stop();
    await h?.moesif.stop();
    await receiver?.stop();
  });

  const admin = (...args: string[]) =>
    runCli(
      'cli/admin.ts',
      args,
      testEnv(h.stripe, h.moesif, { DATABASE_URL: `sqlite:${databasePath}`, LOG_LEVEL: 'silent', EVENT_WEBHOOK_URLS: receiver.hookUrl, EVENT_WEBHOOK_SECRET: EVENT_SECRET }),
      60_000,
    );

  it('grant twice with one key is one grant; adjust needs a reason; events lists the dead event and replay-event requeues it', async () => {
    const first = await admin('grant', 'cus_alice', '25', '--key', 'cli-1', '--expire-at', '2099-01-01T00:00:00Z', '--reason', 'Welcome');
    expect(first.code, first.stderr).toBe(0);
    const granted = parseJson<{ created: boolean; entry: { id: string; kind: string; credits: number; expire_at: string } }>(first);
    expect(granted).toMatchObject({ created: true, entry: { kind: 'promotion', credits: 25, expire_at: '2099-01-01T00:00:00.000Z' } });
    const again = await admin('grant', 'cus_alice', '25', '--key', 'cli-1', '--expire-at', '2099-01-01T00:00:00Z', '--reason', 'Welcome');
    expect(parseJson<{ created: boolean; entry: { id: string } }>(again)).toMatchObject({ created: false, entry: { id: granted.entry.id } });

    const noReason = await admin('adjust', 'cus_alice', '-3', '--key', 'cli-2');
    expect(noReason.code).toBe(2);
    expect(noReason.stdout).toContain('reason');
    const adjusted = await admin('adjust', 'cus_alice', '-3', '--key', 'cli-2', '--reason', 'Correction');
    expect(adjusted.code, adjusted.stderr).toBe(0);
    expect(parseJson<{ entry: { kind: string; credits: number } }>(adjusted).entry).toMatchObject({ kind: 'adjustment', credits: -3 });

    const events = await admin('events', 'dead');
    expect(parseJson<{ eventId: string }[]>(events).map((e) => e.eventId)).toEqual([deadEventId]);
    const replay = await admin('replay-event', deadEventId);
    expect(parseJson(replay)).toEqual({ requeued: 1, event_id: deadEventId });
  }, 240_000);
});
