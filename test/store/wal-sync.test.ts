import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WalSync } from '../../src/store/sqlite/wal-sync.js';

describe('WalSync: at most one fsync in flight; callers arriving meanwhile share the next one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'topup-sync-wal-sync-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('three callers during one fsync are covered by a single second fsync, started only after the first ended', async () => {
    const walPath = join(dir, 'store.db-wal');
    writeFileSync(walPath, '');
    const fsyncs: { done: () => void }[] = [];
    const wal = new WalSync(walPath, () => new Promise<void>((resolve) => fsyncs.push({ done: resolve })));
    const settled: string[] = [];
    const track = (name: string, p: Promise<void>) => p.then(() => settled.push(name));
    const tick = () => new Promise((r) => setImmediate(r));

    const a = track('a', wal.sync());
    await tick();
    expect(fsyncs).toHaveLength(1);
    const rest = ['b', 'c', 'd'].map((name) => track(name, wal.sync()));
    await tick();
    expect(fsyncs).toHaveLength(1); // still one in flight: b, c, d wait for the next
    fsyncs[0]!.done();
    await a;
    await tick();
    expect(settled).toEqual(['a']);
    expect(fsyncs).toHaveLength(2);
    fsyncs[1]!.done();
    await Promise.all(rest);
    expect(settled).toEqual(['a', 'b', 'c', 'd']);
    await wal.idle();
    expect(fsyncs).toHaveLength(2);
    wal.close();
  });

  it('a failed fsync rejects its own callers only; the next callers get a fresh fsync', async () => {
    const walPath = join(dir, 'fail.db-wal');
    writeFileSync(walPath, '');
    let calls = 0;
    const wal = new WalSync(walPath, async () => {
      calls += 1;
      if (calls === 1) throw Object.assign(new Error('EIO'), { code: 'EIO' });
    });
    await expect(wal.sync()).rejects.toThrow('EIO');
    await expect(wal.sync()).resolves.toBeUndefined();
    expect(calls).toBe(2);
    wal.close();
  });
});
