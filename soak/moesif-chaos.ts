import type { FakeMoesif, ScriptedResponse } from '../src/simulators/fake-moesif.js';
import type { Rng } from './rng.js';

export interface MoesifFailureRates {
  /** Share of POSTs answered 500. */
  error500: number;
  /** Share answered 429 (the fake adds Retry-After: 1). */
  error429: number;
  /** Share never answered (the service's MOESIF_TIMEOUT_MS fires). */
  timeout: number;
}

export const DEFAULT_MOESIF_FAILURES: MoesifFailureRates = { error500: 0.1, error429: 0.05, timeout: 0.03 };

const LOOKAHEAD = 2_000;
const REFILL_EVERY_MS = 20;

/**
 * Random Moesif failures: keeps the fake Moesif's answer script filled ahead of its POSTs with a
 * seeded mix of 204, 500, 429 and 'timeout'. The fake consumes one scripted answer per
 * authenticated POST, so the answers given are exactly the first `requests.length` drawn.
 */
export class MoesifChaos {
  private readonly drawn: ScriptedResponse[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly moesif: FakeMoesif,
    private readonly rng: Rng,
    private readonly rates: MoesifFailureRates = DEFAULT_MOESIF_FAILURES,
  ) {}

  start(): void {
    this.refill();
    this.timer ??= setInterval(() => this.refill(), REFILL_EVERY_MS);
  }

  /** Stops drawing; answers already scripted are still given. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private refill(): void {
    const answered = this.moesif.requests.length;
    const batch: ScriptedResponse[] = [];
    while (this.drawn.length + batch.length - answered < LOOKAHEAD) batch.push(this.draw());
    if (batch.length === 0) return;
    this.drawn.push(...batch);
    this.moesif.respondWith(...batch);
  }

  private draw(): ScriptedResponse {
    const x = this.rng.next();
    const { error500, error429, timeout } = this.rates;
    if (x < error500) return 500;
    if (x < error500 + error429) return 429;
    if (x < error500 + error429 + timeout) return 'timeout';
    return 204;
  }

  /** Failures actually given so far (answers drawn and consumed by a POST). */
  injected(): { error500: number; error429: number; timeout: number; total: number; posts: number } {
    const posts = Math.min(this.moesif.requests.length, this.drawn.length);
    const out = { error500: 0, error429: 0, timeout: 0, total: 0, posts };
    for (let i = 0; i < posts; i++) {
      const answer = this.drawn[i];
      if (answer === 500) out.error500 += 1;
      else if (answer === 429) out.error429 += 1;
      else if (answer === 'timeout') out.timeout += 1;
    }
    out.total = out.error500 + out.error429 + out.timeout;
    return out;
  }
}
