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
 * synchronous=FULL, with the disk wait off the JavaScript thread. An fsync covers every frame
 * written before it, so concurrent groups need no ordering. Checkpoints sync themselves.
 */
export class WalSync {
  private fd: number | null = null;
  private ino = 0;
  private inFlight = 0;
  private lastIdentityCheck = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly walPath: string) {}

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

  /** Resolves once everything written to the WAL so far is on disk. */
  async sync(): Promise<void> {
    this.inFlight += 1;
    try {
      await fsyncAsync(this.open());
      // SQLite keeps the same WAL file while this connection is open. Should it ever be replaced,
      // the fsync above covered the old file: sync the new one before saying "durable". Checked
      // at most every IDENTITY_CHECK_MS, as a belt to those braces.
      const now = Date.now();
      if (now - this.lastIdentityCheck >= IDENTITY_CHECK_MS) {
        this.lastIdentityCheck = now;
        if ((await statAsync(this.walPath)).ino !== this.ino) {
          this.reset();
          await fsyncAsync(this.open());
        }
      }
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Resolves when no fsync is in flight. */
  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
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
