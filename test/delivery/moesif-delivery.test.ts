import { afterEach, describe, expect, it } from 'vitest';
import { MOESIF_KEY, startHarness, waitFor, type Harness } from '../support/harness.js';
import { entryOf, postSucceeded, sleep, waitForEntry, waitForState } from './delivery-helpers.js';

/**
 * Delivery of queued credits to Moesif: transient failures are retried until exactly one credit
 * lands, with the same transaction_id on every attempt; permanent refusals are kept (state `dead`,
 * with Moesif's answer), never dropped silently (sample defect 3).
 */
describe('delivery to Moesif', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  /** Every request Moesif saw was for this transaction, with identical bodies. */
  function expectSameTransactionEveryTime(harness: Harness, transactionId: string): void {
    expect(harness.moesif.requests.length).toBeGreaterThan(0);
    for (const body of harness.moesif.requests) {
      expect(body.transaction_id).toBe(transactionId);
      expect(body).toEqual(harness.moesif.requests[0]);
    }
  }

  it('defect 3: Moesif 500, 500, then 204 → one credit, entry delivered after 3 attempts', async () => {
    h = await startHarness();
    h.moesif.respondWith(500, 500, 204);
    const pi = await postSucceeded(h, { amount: 1000, amount_received: 1000 });

    const entry = await waitForState(h, pi.id, 'delivered');
    expect(entry.attempts).toBe(3);
    expect(entry.lastError).toBeNull();
    expect(entry.lastStatus).toBeNull();
    expect(entry.deliveredAt).not.toBeNull();

    expect(h.moesif.requests).toHaveLength(3);
    expectSameTransactionEveryTime(h, pi.id);
    expect(h.moesif.accepted).toHaveLength(1);
    expect(h.moesif.ledger.size).toBe(1);
    expect(h.moesif.ledger.get(pi.id)).toMatchObject({ amount: 10, type: 'credit', company_id: 'cus_alice', subscription_id: 'sub_alice' });

    // Delivered means done: no further attempts.
    await sleep(150);
    expect(h.moesif.requests).toHaveLength(3);
  });

  it('defect 3: a failed attempt is recorded on the entry (pending, attempts, status, Moesif body) and retried later', async () => {
    h = await startHarness({ env: { OUTBOX_RETRY_BASE_DELAY_MS: '60000', OUTBOX_RETRY_MAX_DELAY_MS: '60000' } });
    h.moesif.respondWith(503);
    const pi = await postSucceeded(h);
    const entry = await waitForEntry(h, pi.id, (e) => e.attempts === 1, 5_000, 'one failed attempt');
    expect(entry.state).toBe('pending');
    expect(entry.lastStatus).toBe(503);
    expect(entry.lastError).toContain('503');
    expect(entry.lastError).toContain('scripted 503');
    // Equal jitter: at least half the 60 s base delay.
    expect(entry.nextAttemptAt - Date.now()).toBeGreaterThan(25_000);
    await sleep(150);
    expect(h.moesif.requests).toHaveLength(1);
    expect(h.moesif.ledger.size).toBe(0);
  });

  it('Moesif 429 (Retry-After) then 204 → one credit', async () => {
    h = await startHarness();
    h.moesif.respondWith(429, 204);
    const pi = await postSucceeded(h);
    const entry = await waitForState(h, pi.id, 'delivered');
    expect(entry.attempts).toBe(2);
    expect(h.moesif.requests).toHaveLength(2);
    expectSameTransactionEveryTime(h, pi.id);
    expect(h.moesif.accepted).toHaveLength(1);
    expect(h.moesif.ledger.size).toBe(1);
    expect(h.moesif.ledger.get(pi.id)?.amount).toBe(10);
  });

  it('Moesif 429 with Retry-After: 1 → the next attempt waits at least ~1 s (a floor under the backoff)', async () => {
    h = await startHarness({ env: { OUTBOX_RETRY_BASE_DELAY_MS: '10', OUTBOX_RETRY_MAX_DELAY_MS: '5000' } });
    h.moesif.respondWith(429);
    const pi = await postSucceeded(h);
    const failedAt = Date.now();
    const afterFirst = await waitForEntry(h, pi.id, (e) => e.attempts === 1, 5_000, 'one 429');
    expect(afterFirst.lastStatus).toBe(429);
    expect(afterFirst.nextAttemptAt - failedAt).toBeGreaterThanOrEqual(900);
    await sleep(300);
    expect(h.moesif.requests).toHaveLength(1);
    const delivered = await waitForState(h, pi.id, 'delivered', 5_000);
    expect(delivered.attempts).toBe(2);
    expect(h.moesif.ledger.size).toBe(1);
  });

  it('Moesif hangs twice (our 500 ms timeout) then answers → one credit, same transaction_id each time', async () => {
    h = await startHarness({ env: { MOESIF_TIMEOUT_MS: '500' } });
    expect(h.config.moesif.timeoutMs).toBe(500);
    h.moesif.respondWith('timeout', 'timeout');
    const pi = await postSucceeded(h);
    const mid = await waitForEntry(h, pi.id, (e) => e.attempts >= 1, 5_000, 'first timeout recorded');
    expect(mid.lastStatus).toBeNull();
    expect(mid.lastError ?? '').toMatch(/request to Moesif failed/);

    const entry = await waitForState(h, pi.id, 'delivered', 10_000);
    expect(entry.attempts).toBe(3);
    expect(h.moesif.requests).toHaveLength(3);
    expectSameTransactionEveryTime(h, pi.id);
    expect(h.moesif.ledger.size).toBe(1);
    expect(h.moesif.accepted).toHaveLength(1);
  });

  it('Moesif applies a credit but answers after our timeout → the retry carries the same transaction_id, so the ledger holds it once', async () => {
    h = await startHarness({ env: { MOESIF_TIMEOUT_MS: '500' } });
    h.moesif.setLatency(700); // longer than MOESIF_TIMEOUT_MS=500: Moesif records it, we see a timeout
    const pi = await postSucceeded(h);
    await waitFor(() => h!.moesif.accepted.length >= 1, 5_000, 'a late acceptance');
    h.moesif.setLatency(0);
    const entry = await waitForState(h, pi.id, 'delivered', 10_000);
    expect(entry.attempts).toBeGreaterThanOrEqual(2);
    await sleep(800); // let any request still delayed in the fake land
    expect(h.moesif.accepted.length).toBeGreaterThanOrEqual(2);
    for (const tx of h.moesif.accepted) expect(tx.transaction_id).toBe(pi.id);
    expect(h.moesif.ledger.size).toBe(1);
    expect(h.moesif.balanceOf('sub_alice')).toBe(10);
  });

  it('connection reset then OK → one credit', async () => {
    h = await startHarness();
    h.moesif.respondWith('reset');
    const pi = await postSucceeded(h);
    const entry = await waitForState(h, pi.id, 'delivered');
    expect(entry.attempts).toBe(2);
    expect(h.moesif.requests).toHaveLength(2);
    expectSameTransactionEveryTime(h, pi.id);
    expect(h.moesif.ledger.size).toBe(1);
  });

  it('defect 3: Moesif 400 → entry dead with status 400 and Moesif’s body, no further attempts, nothing credited', async () => {
    h = await startHarness();
    h.moesif.respondWith(400);
    const pi = await postSucceeded(h);
    const entry = await waitForState(h, pi.id, 'dead');
    expect(entry.lastStatus).toBe(400);
    expect(entry.lastError).toContain('400');
    expect(entry.lastError).toContain('scripted 400'); // Moesif's response body, kept for the operator
    expect(entry.attempts).toBe(1);
    await sleep(250);
    expect(h.moesif.requests).toHaveLength(1);
    expect(h.moesif.ledger.size).toBe(0);
    expect(await h.service.store.outbox.countByState()).toMatchObject({ dead: 1, pending: 0, delivered: 0 });
  });

  it('defect 3: OUTBOX_MAX_ATTEMPTS=3 with Moesif always 500 → dead, saying it gave up after 3 attempts', async () => {
    h = await startHarness({ env: { OUTBOX_MAX_ATTEMPTS: '3' } });
    h.moesif.respondWith(500, 500, 500, 500, 500, 500, 500, 500);
    const pi = await postSucceeded(h);
    const entry = await waitForState(h, pi.id, 'dead');
    expect(entry.attempts).toBe(3);
    expect(entry.lastStatus).toBe(500);
    expect(entry.lastError).toMatch(/gave up after 3 attempts/);
    expect(entry.lastError).toContain('scripted 500');
    await sleep(250);
    expect(h.moesif.requests).toHaveLength(3);
    expect(h.moesif.ledger.size).toBe(0);
  });

  it('replay: store.outbox.requeue(id) of a dead entry, Moesif healthy again → delivered once', async () => {
    h = await startHarness({ env: { OUTBOX_MAX_ATTEMPTS: '3' } });
    h.moesif.respondWith(500, 500, 500);
    const pi = await postSucceeded(h);
    await waitForState(h, pi.id, 'dead');
    expect(h.moesif.ledger.size).toBe(0);

    expect(await h.service.store.outbox.requeue(pi.id, Date.now())).toBe(true);
    const entry = await waitForState(h, pi.id, 'delivered');
    expect(entry.attempts).toBe(1); // requeue resets the count
    expect(h.moesif.requests).toHaveLength(4);
    expectSameTransactionEveryTime(h, pi.id);
    expect(h.moesif.ledger.size).toBe(1);
    expect(h.moesif.accepted).toHaveLength(1);

    // Requeue is only for failed/dead entries.
    expect(await h.service.store.outbox.requeue(pi.id, Date.now())).toBe(false);
    expect(await h.service.store.outbox.requeue('pi_unknown', Date.now())).toBe(false);
    await sleep(150);
    expect(h.moesif.accepted).toHaveLength(1);
  });

  it('replay: a 400-refused entry can be requeued after the operator fixed the cause', async () => {
    h = await startHarness();
    h.moesif.respondWith(400);
    const pi = await postSucceeded(h);
    await waitForState(h, pi.id, 'dead');
    expect(await h.service.store.outbox.requeue(pi.id, Date.now())).toBe(true);
    await waitForState(h, pi.id, 'delivered');
    expect(h.moesif.ledger.size).toBe(1);
  });

  it.each([
    ['the bare key', MOESIF_KEY],
    ['"Bearer <key>"', `Bearer ${MOESIF_KEY}`],
    ['"bearer <key>" with stray spaces', `  bearer ${MOESIF_KEY} `],
  ])('defect 11: MOESIF_MANAGEMENT_API_KEY as %s → Authorization is exactly "Bearer <key>" (no "Bearer Bearer")', async (_label, key) => {
    h = await startHarness({ env: { MOESIF_MANAGEMENT_API_KEY: key } });
    expect(h.config.moesif.apiKey).toBe(MOESIF_KEY);
    const pi = await postSucceeded(h);
    // The fake answers 401 (and records nothing) unless Authorization === `Bearer ${MOESIF_KEY}`.
    const entry = await waitForEntry(h, pi.id, (e) => e.state !== 'pending', 5_000, 'settled');
    expect(entry.lastStatus).toBeNull();
    expect(entry.state).toBe('delivered');
    expect(h.moesif.requests).toHaveLength(1);
    expect(h.moesif.ledger.size).toBe(1);
  });

  it('a wrong Moesif key is not silently dropped: entry dead with 401', async () => {
    h = await startHarness({ env: { MOESIF_MANAGEMENT_API_KEY: 'not-the-right-key' } });
    const pi = await postSucceeded(h);
    const entry = await waitForEntry(h, pi.id, (e) => e.state !== 'pending', 5_000, 'settled');
    expect(entry.state).toBe('dead');
    expect(entry.lastStatus).toBe(401);
    expect(entry.lastError).toContain('Unauthorized');
    expect(h.moesif.ledger.size).toBe(0);
  });

  it('many credits through a flaky Moesif → each lands exactly once', async () => {
    h = await startHarness();
    h.moesif.respondWith(500, 'reset', 429, 503, 500, 'reset', 502, 500);
    const pis = [];
    for (let i = 0; i < 12; i++) pis.push(await postSucceeded(h, { amount: 1000 + i * 100, amount_received: 1000 + i * 100 }));
    for (const pi of pis) await waitForState(h, pi.id, 'delivered', 10_000);
    expect(h.moesif.ledger.size).toBe(12);
    expect(h.moesif.duplicateCount).toBe(0);
    for (const pi of pis) expect(h.moesif.ledger.get(pi.id)?.amount).toBe(pi.amount / 100);
    const expected = pis.reduce((sum, pi) => sum + pi.amount, 0) / 100;
    expect(h.moesif.balanceOf('sub_alice')).toBe(expected);
    expect(await h.service.store.outbox.countByState()).toMatchObject({ delivered: 12, pending: 0, dead: 0, failed: 0 });
  });

  it('defect 3: while Moesif is down the webhook is still answered 200 and the credit waits in the outbox', async () => {
    h = await startHarness({ env: { OUTBOX_RETRY_BASE_DELAY_MS: '60000', OUTBOX_RETRY_MAX_DELAY_MS: '60000' } });
    h.moesif.respondWith(503);
    const pi = await postSucceeded(h);
    const entry = await waitForEntry(h, pi.id, (e) => e.attempts === 1, 5_000, 'attempted');
    expect(entry.state).toBe('pending');
    expect(entry.transactionId).toBe(pi.id);
    expect(entry.amountMinor).toBe(1000);
    expect((await entryOf(h, pi.id)).currency).toBe('usd');
  });
});
