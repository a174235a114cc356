import { close, closeSync, fstatSync, fsync, fsyncSync, openSync, stat } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const fsyncAsync = promisify(fsync);
const statAsync = promisify(stat);
const IDENTITY_CHECK_MS = 1_000;

/**
 * Makes committed WAL frames durable without blocking the event loop. The store runs SQLite with
 * synchronous=NORMAL (a commit writes its frames but does not fsync them) and, before any write
 * is acknowledged, fsyncs the WAL file here on libuv's thread pool: the same guarantee as
 * synchronous=FULL, with the disk wait off the JavaScript thread.
 *
 * At most one fsync is in flight. Callers that arrive while it runs (their frames were written
 * after it started, so it may not cover them) wait for the next one, which starts as soon as it
 * ends and covers all of them: a slower disk makes groups bigger instead of queueing fsyncs, so
 * throughput does not fall with the disk's latency. Checkpoints sync themselves.
 */
export class WalSync {
  private fd: number | null = null;
  private ino = 0;
  private lastIdentityCheck = 0;
  private running = false;
  /** Callers waiting for the next fsync (the one after any in flight). */
  private waiting: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly walPath: string,
    /** fs.fsync, promisified; replaceable in tests. */
    private readonly fsyncFd: (fd: number) => Promise<void> = fsyncAsync,
  ) {}

  private open(): number {
    if (this.fd !== null) return this.fd;
    this.fd = openSync(this.walPath, 'r+');
    this.ino = fstatSync(this.fd).ino;
    // The WAL file was created by SQLite: make its directory entry durable once.
    const dir = openSync(dirname(this.walPath), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return this.fd;
  }

  /** Resolves once everything written to the WAL before this call is on disk. */
  sync(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.running) void this.run();
    });
  }

  /** One fsync at a time, each for every caller that arrived before it started. */
  private async run(): Promise<void> {
    this.running = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0);
      try {
        await this.fsyncOnce();
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.running = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private async fsyncOnce(): Promise<void> {
    await this.fsyncFd(this.open());
    // SQLite keeps the same WAL file while this connection is open. Should it ever be replaced,
    // the fsync above covered the old file: sync the new one before saying "durable". Checked
    // at most every IDENTITY_CHECK_MS, as a belt to those braces.
    const now = Date.now();
    if (now - this.lastIdentityCheck >= IDENTITY_CHECK_MS) {
      this.lastIdentityCheck = now;
      if ((await statAsync(this.walPath)).ino !== this.ino) {
        this.reset();
        await this.fsyncFd(this.open());
      }
    }
  }

  /** Resolves when no fsync is in flight or waiting. */
  idle(): Promise<void> {
    return this.running ? new Promise((resolve) => this.idleWaiters.push(resolve)) : Promise.resolve();
  }

  private reset(): void {
    if (this.fd !== null) close(this.fd, () => undefined);
    this.fd = null;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
