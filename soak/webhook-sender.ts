import { signEvent } from '../src/simulators/stripe/fake-stripe.js';
import type { PlannedDelivery } from './plan.js';

/**
 * Delivers the planned webhooks like Stripe does: signed at each attempt, POSTed to a live
 * instance, and retried later (never dropped) when the attempt fails: connection refused or reset
 * (the instance was killed), a timeout, or a 5xx. A 4xx is a soak defect (bad signature or body)
 * and is recorded, not retried.
 */
export interface SenderOptions {
  secret: string;
  /** Requests in flight at once. */
  concurrency: number;
  /** Origins (http://127.0.0.1:port) of the instances that can take a request now. */
  targets: () => string[];
  /** Give up on everything still unacknowledged at this time (ms since epoch). */
  deadline: number;
  /** Attempts per delivery before it is counted undelivered. */
  maxAttempts?: number;
  requestTimeoutMs?: number;
  /** Called each time a planned delivery is sent for the first time, with how many have been. */
  onFirstSend?: (sent: number) => void;
}

export interface SenderStats {
  /** HTTP requests made, retries included. */
  posts: number;
  /** Planned deliveries acknowledged with 200. */
  acknowledged: number;
  /** The service's `outcome` in the 200 answers: queued / duplicate / ignored. */
  outcomes: Record<string, number>;
  /** Attempts that failed and were retried later, by why. */
  retries: { connection: number; timeout: number; serverError: number; total: number };
  /** 4xx answers (never expected), and the first few of them. */
  rejected: number;
  rejectedSamples: string[];
  /** Planned deliveries never acknowledged (deadline or attempts exhausted). */
  undelivered: number;
  /** Ignored outcomes with their notes (never expected). */
  ignoredNotes: string[];
}

interface Job {
  delivery: PlannedDelivery;
  attempts: number;
  dueAt: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function newSenderStats(undelivered = 0): SenderStats {
  return {
    posts: 0,
    acknowledged: 0,
    outcomes: {},
    retries: { connection: 0, timeout: 0, serverError: 0, total: 0 },
    rejected: 0,
    rejectedSamples: [],
    undelivered,
    ignoredNotes: [],
  };
}

/** Sends every planned delivery; `stats` is updated as it goes (for progress lines) and returned. */
export async function sendWebhooks(
  deliveries: readonly PlannedDelivery[],
  options: SenderOptions,
  stats: SenderStats = newSenderStats(),
): Promise<SenderStats> {
  const maxAttempts = options.maxAttempts ?? 60;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  let next = 0;
  let inFlight = 0;
  let roundRobin = 0;
  const retryQueue: Job[] = [];

  const take = (): Job | null => {
    const now = Date.now();
    let best = -1;
    for (let i = 0; i < retryQueue.length; i++) {
      if (retryQueue[i]!.dueAt <= now && (best < 0 || retryQueue[i]!.dueAt < retryQueue[best]!.dueAt)) best = i;
    }
    if (best >= 0) return retryQueue.splice(best, 1)[0]!;
    if (next < deliveries.length) {
      const job = { delivery: deliveries[next]!, attempts: 0, dueAt: now };
      next += 1;
      options.onFirstSend?.(next);
      return job;
    }
    return null;
  };

  const retryLater = (job: Job, why: keyof Omit<SenderStats['retries'], 'total'>) => {
    stats.retries[why] += 1;
    stats.retries.total += 1;
    if (job.attempts >= maxAttempts) return; // counted undelivered at the end
    // Stripe backs off too; here in milliseconds: 25, 50, 100, … capped at 1 s, with jitter.
    const delay = Math.min(1_000, 25 * 2 ** Math.min(job.attempts - 1, 6)) * (0.5 + Math.random());
    retryQueue.push({ ...job, dueAt: Date.now() + delay });
  };

  const attempt = async (job: Job, origin: string): Promise<void> => {
    job.attempts += 1;
    stats.posts += 1;
    const { signature } = signEvent(job.delivery.body, options.secret);
    let status: number;
    let text: string;
    try {
      const res = await fetch(`${origin}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
        body: job.delivery.body,
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      retryLater(job, name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'connection');
      return;
    }
    if (status === 200) {
      stats.acknowledged += 1;
      let outcome = 'unknown';
      let note = '';
      try {
        const parsed = JSON.parse(text) as { outcome?: string; note?: string };
        outcome = parsed.outcome ?? 'unknown';
        note = parsed.note ?? '';
      } catch {
        // counted as unknown
      }
      stats.outcomes[outcome] = (stats.outcomes[outcome] ?? 0) + 1;
      if (outcome === 'ignored' && stats.ignoredNotes.length < 20) {
        stats.ignoredNotes.push(`${job.delivery.eventId} ${job.delivery.eventType}${note ? `: ${note}` : ''}`);
      }
      return;
    }
    if (status >= 500 || status === 429) {
      retryLater(job, 'serverError');
      return;
    }
    stats.rejected += 1;
    if (stats.rejectedSamples.length < 20) {
      stats.rejectedSamples.push(`${job.delivery.eventId} ${job.delivery.eventType}: HTTP ${status} ${text.slice(0, 200)}`);
    }
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      if (Date.now() > options.deadline) return;
      const targets = options.targets();
      if (targets.length === 0) {
        // Every instance is down (being restarted): wait, as Stripe's retries would.
        if (next >= deliveries.length && retryQueue.length === 0 && inFlight === 0) return;
        await sleep(20);
        continue;
      }
      const job = take();
      if (!job) {
        if (next >= deliveries.length && retryQueue.length === 0 && inFlight === 0) return;
        await sleep(5);
        continue;
      }
      const origin = targets[roundRobin++ % targets.length]!;
      inFlight += 1;
      try {
        await attempt(job, origin);
      } finally {
        inFlight -= 1;
      }
    }
  };

  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  stats.undelivered = deliveries.length - stats.acknowledged - stats.rejected;
  return stats;
}
