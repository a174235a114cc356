import { afterEach, describe, expect, it } from 'vitest';
import { MoesifBreaker } from '../../src/outbox/moesif-breaker.js';
import { startHarness, topUpPaymentIntent, waitFor, type Harness } from '../support/harness.js';

const policy = { baseDelayMs: 100, maxDelayMs: 60_000 };

describe('MoesifBreaker', () => {
  it('allows full concurrency until five consecutive transient failures', () => {
    const b = new MoesifBreaker(policy);
    for (let i = 0; i < 4; i++) b.recordFailure(1_000, null);
    expect(b.isOpen).toBe(false);
    expect(b.allowance(1_000, 32)).toBe(32);
    b.recordFailure(1_000, null);
    expect(b.isOpen).toBe(true);
    expect(b.allowance(1_000, 32)).toBe(0);
  });

  it('an answer in between resets the count', () => {
    const b = new MoesifBreaker(policy);
    for (let i = 0; i < 4; i++) b.recordFailure(0, null);
    b.recordAnswer();
    for (let i = 0; i < 4; i++) b.recordFailure(0, null);
    expect(b.isOpen).toBe(false);
  });

  it('once open, allows one probe after a pause that grows with each failed probe, capped at 5 s (a recovered Moesif is noticed within that)', () => {
    const b = new MoesifBreaker(policy);
    for (let i = 0; i < 5; i++) b.recordFailure(0, null);
    const first = b.waitMs(0);
    expect(first).toBeGreaterThanOrEqual(50);
    expect(first).toBeLessThanOrEqual(100);
    expect(b.allowance(first, 32)).toBe(1);
    for (let i = 0; i < 20; i++) b.recordFailure(10_000, null);
    expect(b.waitMs(10_000)).toBe(5_000);
  });

  it('honours Retry-After as the least pause', () => {
    const b = new MoesifBreaker(policy);
    for (let i = 0; i < 5; i++) b.recordFailure(0, 5_000);
    expect(b.waitMs(0)).toBe(5_000);
  });

  it('closes on the first answer and reports both transitions once', () => {
    const changes: boolean[] = [];
    const b = new MoesifBreaker(policy, (open) => changes.push(open));
    for (let i = 0; i < 8; i++) b.recordFailure(0, null);
    b.recordAnswer();
    b.recordAnswer();
    expect(b.isOpen).toBe(false);
    expect(b.allowance(0, 32)).toBe(32);
    expect(changes).toEqual([true, false]);
  });
});

describe('delivery while Moesif is down', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('does not flood a failing Moesif, and delivers everything exactly once when it is back', async () => {
    h = await startHarness({
      env: { OUTBOX_CONCURRENCY: '16', OUTBOX_RETRY_BASE_DELAY_MS: '200', OUTBOX_RETRY_MAX_DELAY_MS: '400', OUTBOX_MAX_ATTEMPTS: '1000' },
    });
    h.moesif.respondWith(...Array.from({ length: 10_000 }, () => 503));
    const pis = Array.from({ length: 40 }, () => topUpPaymentIntent());
    for (const pi of pis) expect((await h.postEvent(h.stripe.makeEvent('payment_intent.succeeded', pi))).status).toBe(200);

    await waitFor(() => h!.moesif.requests.length >= 5, 5_000, 'the breaker to trip');
    await new Promise((r) => setTimeout(r, 300));
    const before = h.moesif.requests.length;
    await new Promise((r) => setTimeout(r, 1_000));
    // One probe at a time, at most every ~100-400 ms: a handful of requests, not 16 × (1 s / latency).
    expect(h.moesif.requests.length - before).toBeLessThanOrEqual(12);
    expect(await h.service.metrics.registry.getSingleMetricAsString('topup_sync_moesif_breaker_open')).toMatch(/ 1$/m);

    h.moesif.respondNormally();
    await waitFor(() => h!.moesif.ledger.size === pis.length, 10_000, 'every credit after recovery');
    await waitFor(async () => (await h!.service.store.outbox.countByState()).delivered === pis.length, 5_000, 'all delivered');
    expect(h.moesif.duplicateCount).toBe(0);
    expect(await h.service.metrics.registry.getSingleMetricAsString('topup_sync_moesif_breaker_open')).toMatch(/ 0$/m);
  });
});
