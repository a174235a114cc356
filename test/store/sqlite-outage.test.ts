import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../soak/service-instance.js';
import { FakeMoesif } from '../../src/simulators/fake-moesif.js';
import { FakeStripe, signEvent } from '../../src/simulators/stripe/fake-stripe.js';
import { MOESIF_KEY, startHarness, testEnv, topUpPaymentIntent, waitFor, WEBHOOK_SECRET, type Harness } from '../support/harness.js';
import { nodeEntryArgs } from '../../tools/entry-point.js';
import { expectErrorShape, succeededEvent } from '../webhooks/webhook-helpers.js';

/**
 * The README's promise on SQLite: while the database file cannot be written (locked by another
 * process past SQLITE_BUSY_TIMEOUT_MS, disk full, read-only), a webhook is answered 503
 * store_unavailable, never 500, and the event Stripe redelivers afterwards is recorded once.
 * (A file that is read-only when the service starts stops the start-up: SQLite cannot open it in
 * WAL mode; store-errors.test.ts classifies that SQLITE_READONLY too.)
 */

function loggedCodes(lines: string[]): (string | null)[] {
  return lines
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { requestId?: string; err?: { type?: string; driverCode?: string | null } })
    .filter((l) => l.requestId && l.err?.type === 'StoreUnavailableError')
    .map((l) => l.err!.driverCode ?? null);
}

/** chattr +i makes a file unwritable even through descriptors already open, and even for root. */
function setImmutable(files: string[], on: boolean): void {
  const r = spawnSync('chattr', [on ? '+i' : '-i', ...files], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`chattr failed: ${r.stderr}`);
}

function immutableAttributeUnavailable(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 't9-chattr-probe-'));
  const file = join(dir, 'probe');
  try {
    writeFileSync(file, 'x');
    const on = spawnSync('chattr', ['+i', file], { encoding: 'utf8' });
    if (on.error) return `chattr is not available (${on.error.message})`;
    if (on.status !== 0) return `files cannot be made immutable here (${on.stderr.trim()}); needs root on ext4/xfs/btrfs`;
    spawnSync('chattr', ['-i', file]);
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const immutableUnavailable = immutableAttributeUnavailable();
if (immutableUnavailable) process.stderr.write(`\n[skip] SQLite file made read-only while in use: ${immutableUnavailable}\n`);

describe('SQLite outages → 503 store_unavailable', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('another process holds the write lock past SQLITE_BUSY_TIMEOUT_MS: SQLITE_BUSY', async () => {
    const dir = mkdtempSync(join(tmpdir(), 't9-sqlite-busy-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'busy.db');
    const h: Harness = await startHarness({ env: { DATABASE_URL: `sqlite:${path}`, SQLITE_BUSY_TIMEOUT_MS: '50', LOG_LEVEL: 'error' } });
    cleanup.push(() => h.stop());
    expect((await h.postEvent(succeededEvent(h, topUpPaymentIntent()))).status).toBe(200);

    const other = new Database(path);
    cleanup.push(() => void other.close());
    other.exec('BEGIN IMMEDIATE'); // e.g. `npm run admin -- retry-all` writing the same file
    const event = succeededEvent(h, topUpPaymentIntent());
    const started = Date.now();
    expectErrorShape(await h.postEvent(event), 503, 'store_unavailable');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(loggedCodes(h.logs.lines)).toEqual(['SQLITE_BUSY']);

    other.exec('ROLLBACK');
    expect((await h.postEvent(event)).body.outcome).toBe('queued');
    expect((await h.postEvent(event)).body.outcome).toBe('duplicate');
  });

  it.skipIf(immutableUnavailable !== null)('the database file is made read-only while in use (immutable): SQLITE_IOERR_WRITE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 't9-sqlite-readonly-'));
    const path = join(dir, 'readonly.db');
    const files = [path, `${path}-wal`];
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const h: Harness = await startHarness({ env: { DATABASE_URL: `sqlite:${path}`, LOG_LEVEL: 'error' } });
    cleanup.push(() => h.stop());
    expect((await h.postEvent(succeededEvent(h, topUpPaymentIntent()))).status).toBe(200);

    setImmutable(files, true);
    cleanup.push(() => setImmutable(files, false));
    const event = succeededEvent(h, topUpPaymentIntent());
    expectErrorShape(await h.postEvent(event), 503, 'store_unavailable');
    expect(loggedCodes(h.logs.lines)[0]).toMatch(/^SQLITE_(IOERR|READONLY)/);

    setImmutable(files, false);
    expect((await h.postEvent(event)).body.outcome).toBe('queued');
  });
});

/**
 * A full disk, for real: the service runs as a child process in a mount namespace of its own
 * (unshare), its database on a small tmpfs, which the test grows again afterwards (nsenter).
 * Nothing is visible outside the child. Needs root (CAP_SYS_ADMIN) and util-linux; skipped with
 * the reason otherwise.
 */
function mountNamespaceUnavailable(): string | null {
  const probe = mkdtempSync(join(tmpdir(), 't9-ns-probe-'));
  try {
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs '${probe}'`], { encoding: 'utf8' });
    if (r.error) return `unshare is not available (${r.error.message})`;
    if (r.status !== 0) return `a private mount namespace with a tmpfs cannot be made here (${(r.stderr || '').trim() || `exit ${r.status}`}); needs root`;
    return null;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const namespaceUnavailable = mountNamespaceUnavailable();
if (namespaceUnavailable) process.stderr.write(`\n[skip] SQLite disk-full and read-only outages: ${namespaceUnavailable}\n`);

describe.skipIf(namespaceUnavailable !== null)('SQLite on a full disk (service in a mount namespace of its own)', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('disk full: SQLITE_FULL → 503; room again → the redelivered event is recorded once', async () => {
    const stripe = await new FakeStripe().start();
    const moesif = await new FakeMoesif({ apiKey: MOESIF_KEY }).start();
    cleanup.push(() => stripe.stop(), () => moesif.stop());
    const dataDir = mkdtempSync(join(tmpdir(), 't9-sqlite-tmpfs-'));
    const cwd = mkdtempSync(join(tmpdir(), 't9-sqlite-cwd-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }), () => rmSync(cwd, { recursive: true, force: true }));
    const port = await freePort();
    const env = testEnv(stripe, moesif, { DATABASE_URL: `sqlite:${dataDir}/full.db`, LOG_LEVEL: 'error', HOST: '127.0.0.1', PORT: String(port) });
    const script = `mount -t tmpfs -o size=1m tmpfs "$DATA_DIR" && exec "$NODE" "$@"`;
    const child: ChildProcess = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', ...nodeEntryArgs('src/main.ts')], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, DATA_DIR: dataDir, NODE: process.execPath } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (output += c));
    const lines = () => output.split('\n');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanup.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });
    const origin = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${origin}/readyz`).catch(() => null))?.status === 200, 20_000, 'the service in its namespace');

    const post = async (event: ReturnType<FakeStripe['makeEvent']>) => {
      const { body, signature } = signEvent(event, WEBHOOK_SECRET);
      const res = await fetch(`${origin}/webhooks/stripe`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature }, body });
      return { status: res.status, body: (await res.json()) as { outcome?: string; error?: { code: string } } };
    };
    const newEvent = () => stripe.makeEvent('payment_intent.succeeded', topUpPaymentIntent({ description: 'x'.repeat(2_000) } as never));

    // Fill the disk: every event is acknowledged until one cannot be written.
    let full: Awaited<ReturnType<typeof post>> | null = null;
    let unacknowledged = newEvent();
    for (let i = 0; i < 2_000 && !full; i++) {
      unacknowledged = newEvent();
      const res = await post(unacknowledged);
      if (res.status !== 200) full = res;
    }
    expect(full).toEqual({ status: 503, body: { error: expect.objectContaining({ code: 'store_unavailable' }) } });
    // The child's log line may arrive after its answer.
    await waitFor(() => loggedCodes(lines()).length > 0, 5_000, 'the logged store failure');
    expect(loggedCodes(lines())[0]).toBe('SQLITE_FULL');

    // Room again (the volume grown): Stripe's redelivery of the refused event is recorded, once.
    const r = spawnSync('nsenter', ['-t', String(child.pid), '-m', 'mount', '-o', 'remount,size=8m', dataDir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect((await post(unacknowledged)).body.outcome).toBe('queued');
    expect((await post(unacknowledged)).body.outcome).toBe('duplicate');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
