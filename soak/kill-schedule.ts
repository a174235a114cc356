import type { Rng } from './rng.js';
import type { ServiceInstance } from './service-instance.js';

export interface KillRecord {
  instance: string;
  /** Planned deliveries sent when it happened (-1: after all were sent, while the outbox drained). */
  atDelivery: number;
  /** Transactions Moesif had accepted when the SIGKILL was sent. */
  acceptedBefore: number;
  /**
   * … and shortly after the process was gone: a request in flight at the kill can still be
   * accepted by Moesif after the sender died.
   */
  acceptedAfter: number;
  /** From SIGKILL to the restarted instance answering /readyz. */
  restartMs: number;
}

/** How long after a kill a request the dead process had sent may still land at Moesif. */
const IN_FLIGHT_GRACE_MS = 100;

/**
 * `count` kill points spread over the middle of the delivery plan (15 %–85 %), one per equal
 * segment, at a seeded random place in it.
 */
export function killPoints(count: number, deliveries: number, rng: Rng): number[] {
  const points: number[] = [];
  for (let i = 0; i < count; i++) {
    const from = 0.15 + (0.7 * i) / count;
    const to = 0.15 + (0.7 * (i + 1)) / count;
    points.push(Math.max(1, Math.floor(deliveries * (from + (to - from) * rng.next()))));
  }
  return points;
}

/**
 * SIGKILLs a random live instance when the sender passes each kill point, then restarts it on the
 * same database. With several instances another one may be killed while the first restarts; a
 * point passed while no instance is up fires at the next send after one is.
 */
export class KillSchedule {
  readonly records: KillRecord[] = [];
  error: Error | null = null;
  private next = 0;
  private readonly busy = new Set<Promise<void>>();

  constructor(
    private readonly instances: readonly ServiceInstance[],
    private readonly points: readonly number[],
    private readonly rng: Rng,
    private readonly acceptedSoFar: () => number,
    private readonly log: (line: string) => void = () => {},
  ) {}

  get remaining(): number {
    return this.points.length - this.next;
  }

  /** Called by the sender on each first send. */
  onSent(sent: number): void {
    if (this.error || this.next >= this.points.length || sent < this.points[this.next]!) return;
    const candidates = this.instances.filter((i) => i.ready);
    if (candidates.length === 0) return;
    this.next += 1;
    const p: Promise<void> = this.killOne(this.rng.pick(candidates), sent)
      .catch((err: unknown) => {
        this.error ??= err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => this.busy.delete(p));
    this.busy.add(p);
  }

  /** Waits for the kills and restarts in progress. */
  async idle(): Promise<void> {
    while (this.busy.size > 0) await Promise.all([...this.busy]);
  }

  /** Kill points the sender never reached (it finished first): kill now, while the outbox drains. */
  async killRemaining(pauseMs: number): Promise<void> {
    await this.idle();
    while (!this.error && this.next < this.points.length) {
      this.next += 1;
      await new Promise((r) => setTimeout(r, pauseMs));
      const candidates = this.instances.filter((i) => i.ready);
      try {
        if (candidates.length === 0) throw new Error('no live instance to kill');
        await this.killOne(this.rng.pick(candidates), -1);
      } catch (err) {
        this.error = err instanceof Error ? err : new Error(String(err));
      }
    }
  }

  /** Kills `victim` (marked not ready at once, so no other kill picks it), then restarts it. */
  private async killOne(victim: ServiceInstance, atDelivery: number): Promise<void> {
    const acceptedBefore = this.acceptedSoFar();
    const t0 = Date.now();
    const exit = await victim.kill();
    if (exit?.signal !== 'SIGKILL') throw new Error(`${victim.name} did not die of SIGKILL: ${JSON.stringify(exit)}`);
    await new Promise((r) => setTimeout(r, IN_FLIGHT_GRACE_MS));
    const acceptedAfter = this.acceptedSoFar();
    this.log(`SIGKILL ${victim.name} at delivery ${atDelivery < 0 ? '(drain)' : atDelivery}; restarting it on the same database`);
    await victim.start();
    this.records.push({ instance: victim.name, atDelivery, acceptedBefore, acceptedAfter, restartMs: Date.now() - t0 });
  }
}
