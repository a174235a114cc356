import type Stripe from 'stripe';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeMoesif } from '../../src/simulators/fake-moesif.js';
import { FakeStripe, signEvent } from '../../src/simulators/stripe/fake-stripe.js';
import { dropSchema, postgresUnavailableReason, uniqueSchema, urlWithSchema } from '../store/postgres-available.js';
import { ALICE, MOESIF_KEY, WEBHOOK_SECRET, testEnv, topUpPaymentIntent, waitFor } from '../support/harness.js';
import { cleanupServiceProcesses, ServiceProcess } from './service-process.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const unavailable = await postgresUnavailableReason();

async function postEvent(port: number, event: Stripe.Event): Promise<number> {
  const { body, signature } = signEvent(event, WEBHOOK_SECRET);
  const res = await fetch(`http://127.0.0.1:${port}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

if (unavailable) {
  process.stderr.write(`\n[skip] ${unavailable}\n`);
  describe.skip(`crash takeover on PostgreSQL: ${unavailable}`, () => {
    it('needs a PostgreSQL server', () => {});
  });
} else {
  /**
   * Instances on one PostgreSQL database lease what they deliver for OUTBOX_LEASE_MS (15 s) and
   * renew the lease every third of it while the delivery runs: a dead instance's delivery is taken
   * over by another about 15 s later, a slow one's never.
   */
  describe('crash takeover between instances (real processes, PostgreSQL)', { timeout: 90_000 }, () => {
    let stripe: FakeStripe;
    let moesif: FakeMoesif;
    const schemas: string[] = [];

    beforeEach(async () => {
      stripe = await new FakeStripe().start();
      stripe.addCustomer(structuredClone(ALICE));
      moesif = await new FakeMoesif({ apiKey: MOESIF_KEY }).start();
    });
    afterEach(async () => {
      await cleanupServiceProcesses();
      await stripe.stop();
      await moesif.stop();
    });
    afterAll(async () => {
      for (const schema of schemas) await dropSchema(schema);
    });

    function instanceEnv(schema: string, overrides: Record<string, string> = {}) {
      return testEnv(stripe, moesif, {
        DATABASE_URL: urlWithSchema(schema),
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        OUTBOX_POLL_INTERVAL_MS: '100',
        ...overrides,
      });
    }
    const newSchema = () => {
      const schema = uniqueSchema('takeover');
      schemas.push(schema);
      return schema;
    };

    it('SIGKILL during a delivery → another instance delivers the credit within 20 s (the default OUTBOX_LEASE_MS, 15 s)', async () => {
      const schema = newSchema();
      moesif.respondWith('timeout'); // the first attempt hangs until the kill
      const a = new ServiceProcess(instanceEnv(schema, { MOESIF_TIMEOUT_MS: '60000' }));
      const port = await a.listening(30_000);
      const pi = topUpPaymentIntent({ amount: 3300, amount_received: 3300 });
      expect(await postEvent(port, stripe.makeEvent('payment_intent.succeeded', pi)), a.stdout).toBe(200);
      await waitFor(() => moesif.requests.length >= 1, 10_000, 'the delivery under way on instance A');
      const b = new ServiceProcess(instanceEnv(schema, {}));
      await b.listening(30_000);

      await a.stop('SIGKILL');
      const killedAt = Date.now();
      await waitFor(() => moesif.ledger.has(pi.id), 20_000, 'the credit from instance B within 20 s of the kill');
      process.stderr.write(`[takeover] credit ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill\n`);
      expect(moesif.accepted).toHaveLength(1);
      expect(moesif.ledger.get(pi.id)?.amount).toBe(33);
      const deliveredByB = () => b.logLines.some((l) => l.msg === 'ledger entry delivered to Moesif' && l.transactionId === pi.id);
      await waitFor(deliveredByB, 5_000, "instance B's log of the delivery");
      expect((await b.stop('SIGTERM')).code).toBe(0);
    });

    it('a delivery slower than the lease keeps it (renewed): the other instance does not send it meanwhile', async () => {
      const schema = newSchema();
      moesif.respondWith('timeout'); // the first attempt hangs for MOESIF_TIMEOUT_MS, five leases
      const env = instanceEnv(schema, { OUTBOX_LEASE_MS: '2000', MOESIF_TIMEOUT_MS: '10000' });
      const a = new ServiceProcess(env);
      const b = new ServiceProcess(env);
      const [port] = await Promise.all([a.listening(30_000), b.listening(30_000)]);
      const pi = topUpPaymentIntent({ amount: 800, amount_received: 800 });
      expect(await postEvent(port, stripe.makeEvent('payment_intent.succeeded', pi)), a.stdout).toBe(200);
      await waitFor(() => moesif.requests.length >= 1, 10_000, 'the hanging delivery');
      await sleep(5_000); // two and a half leases: without renewal the other instance would take it over
      expect(moesif.requests).toHaveLength(1);
      // Once the hung call times out, the retry delivers it, once.
      await waitFor(() => moesif.ledger.has(pi.id), 20_000, 'the credit after the timeout');
      expect(moesif.accepted).toHaveLength(1);
      expect(moesif.requests.map((r) => r.transaction_id)).toEqual([pi.id, pi.id]);
    });
  });
}
