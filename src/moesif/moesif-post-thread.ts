import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { startWorkerThread } from '../threads/start-worker-thread.js';
import { MoesifDeliveryError } from './moesif-errors.js';
import type { MoesifBalanceTransaction } from './moesif-http.js';
import type { PostRequest, PostResult, PostThreadSettings } from './post-thread-protocol.js';

/** Its heap holds the requests in flight (OUTBOX_CONCURRENCY + a batch) and little else. */
const POST_THREAD_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 64 };

interface Waiting {
  resolve: () => void;
  reject: (err: MoesifDeliveryError) => void;
  /** Past this (epoch ms) the post fails as retryable even if the thread never answers. */
  deadline: number;
}

/**
 * Sends balance transactions to Moesif from a worker thread (post-thread-entry.ts), with the same
 * contract as MoesifLedger.postTransaction: resolves on a 2xx, rejects with a MoesifDeliveryError
 * that says whether to retry. Only the HTTP exchange moves: which entry to send, and recording
 * what happened, stay with the outbox on the main thread, the store's only writer (a second
 * SQLite connection in the worker would make the thread that acknowledges webhooks wait on its
 * write lock).
 *
 * Started by start() or the first post. Requests made in one turn go in one message; answers come
 * back the same way. Should the thread die, every post waiting on it fails as retryable (the outbox
 * tries those entries again, and Moesif keeps one transaction per transaction_id) and the next post
 * starts a new thread. Should it stop answering, a post fails as retryable after three Moesif
 * timeouts and five seconds (a request may wait for a connection behind others before its own
 * timeout starts): the outbox never waits forever.
 */
export class MoesifPostThread {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, Waiting>();
  private outgoing: PostRequest[] = [];
  private nextId = 1;
  private watchdog: NodeJS.Timeout | null = null;
  private readonly answerWithinMs: number;

  constructor(
    private readonly settings: PostThreadSettings,
    private readonly logger: Logger,
  ) {
    this.answerWithinMs = 3 * settings.moesif.timeoutMs + 5_000;
  }

  /** Starts the thread now rather than at the first post (which would wait for it). */
  start(): void {
    this.thread();
  }

  postTransaction(tx: MoesifBalanceTransaction): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject, deadline: Date.now() + this.answerWithinMs });
      if (this.outgoing.length === 0) queueMicrotask(() => this.send());
      this.outgoing.push({ id, tx });
    });
  }

  private send(): void {
    const batch = this.outgoing;
    this.outgoing = [];
    if (batch.length > 0) this.thread().postMessage(batch);
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorkerThread(import.meta.url, './post-thread-entry', this.settings, 'moesif-post', POST_THREAD_LIMITS);
    worker.unref();
    worker.on('message', (results: PostResult[]) => {
      for (const r of results) {
        const w = this.waiting.get(r.id);
        if (!w) continue;
        this.waiting.delete(r.id);
        if (r.ok) w.resolve();
        else w.reject(new MoesifDeliveryError(r.message, r.retryable, r.status, r.responseBody, r.retryAfterMs));
      }
    });
    worker.on('error', (err) => this.logger.error({ err }, 'Moesif post thread failed'));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return; // closed
      this.worker = null;
      this.logger.warn({ code, waiting: this.waiting.size }, 'Moesif post thread stopped; the next delivery starts a new one');
      this.failWaiting(`the Moesif post thread stopped (exit code ${code}) before Moesif answered`);
    });
    this.worker = worker;
    this.watchdog ??= setInterval(() => this.failOverdue(), 1_000).unref();
    return worker;
  }

  private failOverdue(): void {
    const now = Date.now();
    for (const [id, w] of this.waiting) {
      if (w.deadline > now) continue;
      this.waiting.delete(id);
      w.reject(new MoesifDeliveryError(`no answer from the Moesif post thread within ${this.answerWithinMs} ms`, true, null, null, null));
    }
  }

  private failWaiting(reason: string): void {
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiting) w.reject(new MoesifDeliveryError(reason, true, null, null, null));
  }

  /** Stops the thread (after the outbox worker, so nothing is waiting). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    if (worker) await worker.terminate();
    this.failWaiting('the service is shutting down');
  }
}

/** The settings for config: the Moesif client's, with one socket per delivery slot. */
export function postThreadSettings(config: Config): PostThreadSettings {
  return { moesif: config.moesif, maxSockets: config.outbox.concurrency };
}
