import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type Stripe from 'stripe';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeMoesif } from '../../src/simulators/fake-moesif.js';
import { FakeStripe, signEvent } from '../../src/simulators/stripe/fake-stripe.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { dropSchema, postgresUnavailableReason, TEST_DATABASE_URL, uniqueSchema, urlWithSchema } from '../store/postgres-available.js';
import { ALICE, MOESIF_KEY, WEBHOOK_SECRET, testEnv, topUpPaymentIntent, waitFor } from '../support/harness.js';
import { RecordingProxy } from '../operations/recording-proxy.js';
import { ServiceChild, stopAllServiceChildren } from './service-child.js';

const INSTANCES = 3;
const EVENTS = 2_000;
/** Every 5th event is also delivered to a second instance: 20 % duplicates. */
const DUPLICATE_EVERY = 5;
const IN_FLIGHT = 16;
const OUTBOX_CONCURRENCY = 8;
/**
 * The most entries an instance holds claimed: OUTBOX_CONCURRENCY requests at Moesif plus up to a
 * batch (default 50) waiting for a connection (outbox-worker.ts). A SIGKILL can leave each of them
 * accepted by Moesif but not yet recorded: those posted before the kill, and those answered whose
 * outcome was still on its way from the post thread to the store.
 */
const MAX_CLAIMED = OUTBOX_CONCURRENCY + Math.min(50, OUTBOX_CONCURRENCY);
const KILLED = 0;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const unavailable = await postgresUnavailableReason();

interface Job {
  event: Stripe.Event;
  target: number;
  duplicate: boolean;
}

interface TransactionBody {
  transaction_id?: string;
}

if (unavailable) {
  process.stderr.write(`\n[skip] ${unavailable}\n`);
  describe.skip(`several instances on one PostgreSQL: ${unavailable}`, () => {
    it('needs a PostgreSQL server', () => {});
  });
} else {
  describe('several instances on one PostgreSQL database (real processes)', () => {
    let stripe: FakeStripe | undefined;
    let moesif: FakeMoesif | undefined;
    const proxies: RecordingProxy[] = [];
    let store: PostgresStore | undefined;
    const schema = uniqueSchema('multi');

    afterAll(async () => {
      // Whatever happened: every child goes (SIGTERM, then SIGKILL), then the fakes, then the schema.
      const problems: unknown[] = [];
      const attempt = async (fn: () => Promise<unknown>) => {
        try {
          await fn();
        } catch (err) {
          problems.push(err);
        }
      };
      await attempt(() => stopAllServiceChildren(5_000));
      await attempt(async () => store?.close());
      for (const p of proxies) await attempt(() => p.stop());
      await attempt(async () => stripe?.stop());
      await attempt(async () => moesif?.stop());
      await attempt(() => dropSchema(schema));
      if (problems.length > 0) throw problems[0];
    }, 30_000);

    it(
      `${EVENTS} top-ups over ${INSTANCES} instances with duplicates and one instance SIGKILLed: every credit lands exactly once`,
      async () => {
        stripe = await new FakeStripe().start();
        stripe.addCustomer(structuredClone(ALICE));
        moesif = await new FakeMoesif({ apiKey: MOESIF_KEY, latencyMs: 3 }).start();
        // One recording proxy per instance in front of the one fake Moesif tells which instance sent what, and when.
        for (let i = 0; i < INSTANCES; i++) proxies.push(await new RecordingProxy(moesif.url).start());

        const children = Array.from(
          { length: INSTANCES },
          (_, i) =>
            new ServiceChild(
              `instance-${i}`,
              testEnv(stripe!, moesif!, {
                MOESIF_API_URL: `${proxies[i]!.url}/v1`,
                DATABASE_URL: urlWithSchema(schema),
                PORT: '0',
                HOST: '127.0.0.1',
                LOG_LEVEL: 'info',
                OUTBOX_POLL_INTERVAL_MS: '50',
                OUTBOX_LEASE_MS: '2000',
                OUTBOX_RETRY_BASE_DELAY_MS: '20',
                OUTBOX_RETRY_MAX_DELAY_MS: '200',
                OUTBOX_CONCURRENCY: String(OUTBOX_CONCURRENCY),
                MOESIF_TIMEOUT_MS: '1000',
                RECONCILE_INTERVAL_MS: '0',
              }),
            ),
        );
        const ports = await Promise.all(children.map((c) => c.listening(30_000)));

        // The top-ups: distinct PaymentIntents, each announced once by Stripe (20 % delivered twice).
        const pis = Array.from({ length: EVENTS }, (_, i) =>
          topUpPaymentIntent({ id: `pi_multi${String(i).padStart(5, '0')}${randomBytes(4).toString('hex')}` }),
        );
        const jobs: Job[] = [];
        pis.forEach((pi, i) => {
          const event = stripe!.makeEvent('payment_intent.succeeded', pi);
          jobs.push({ event, target: i % INSTANCES, duplicate: false });
          if (i % DUPLICATE_EVERY === 0) jobs.push({ event, target: (i + 1) % INSTANCES, duplicate: true });
        });
        const duplicates = jobs.filter((j) => j.duplicate).length;

        const stats = { requests: 0, redirected: 0, failedOnKilled: 0, non2xx: [] as string[], outcomes: new Map<string, number>() };
        const killedFlags = new Set<number>();
        let killedAt = 0;
        let killedExitObservedAt = 0;
        const liveTarget = (preferred: number): number => {
          for (let k = 0; k < INSTANCES; k++) {
            const candidate = (preferred + k) % INSTANCES;
            if (!killedFlags.has(candidate) && children[candidate]!.alive) return candidate;
          }
          throw new Error('no live instance left');
        };

        /** Posts like Stripe: a failed delivery (network error, non-2xx) is retried, here on a live instance. */
        async function deliver(job: Job): Promise<void> {
          let target = job.target;
          for (let attempt = 0; attempt < 30; attempt++) {
            if (killedFlags.has(target) || !children[target]!.alive) {
              target = liveTarget(target + 1);
              stats.redirected += 1;
            }
            const { body, signature } = signEvent(job.event, WEBHOOK_SECRET);
            stats.requests += 1;
            try {
              const res = await fetch(`http://127.0.0.1:${ports[target]}/webhooks/stripe`, {
                method: 'POST',
                headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
                body,
              });
              const text = await res.text();
              if (res.status === 200) {
                const outcome = (JSON.parse(text) as { outcome: string }).outcome;
                stats.outcomes.set(outcome, (stats.outcomes.get(outcome) ?? 0) + 1);
                return;
              }
              if (killedFlags.has(target)) stats.failedOnKilled += 1;
              else stats.non2xx.push(`instance-${target} ${res.status} ${text.slice(0, 200)}`);
            } catch (err) {
              if (!killedFlags.has(target)) throw new Error(`instance-${target} failed a request while alive: ${(err as Error).message}`);
              stats.failedOnKilled += 1; // it died under this request: Stripe would retry, here on a live instance
            }
            await sleep(10);
          }
          throw new Error(`event ${job.event.id} was never acknowledged`);
        }

        const started = Date.now();
        let next = 0;
        const killAtJob = Math.floor(jobs.length / 2);
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async () => {
            while (next < jobs.length) {
              const index = next++;
              if (index === killAtJob) {
                killedFlags.add(KILLED);
                killedAt = Date.now();
                void children[KILLED]!.exited.then(() => (killedExitObservedAt = Date.now()));
                children[KILLED]!.proc.kill('SIGKILL');
              }
              await deliver(jobs[index]!);
            }
          }),
        );
        const sentAt = Date.now();
        const killedExit = await children[KILLED]!.exited;
        expect(killedExit.signal).toBe('SIGKILL');
        expect(killedExitObservedAt).toBeGreaterThan(0);

        // Drain: Moesif's ledger holds every top-up, and the store has recorded every delivery.
        await waitFor(() => moesif!.ledger.size >= EVENTS, 80_000, `${EVENTS} transactions in the Moesif ledger`);
        const drainedAt = Date.now();
        store = await PostgresStore.open(urlWithSchema(schema), 2);
        await waitFor(
          async () => {
            const c = await store!.outbox.countByState();
            return c.pending === 0 && c.delivered === EVENTS;
          },
          20_000,
          'every outbox entry recorded as delivered',
        );
        const recordedAt = Date.now();

        // --- Moesif: exactly the distinct top-ups, each once in the ledger. ---
        expect(moesif.ledger.size).toBe(EVENTS);
        for (const pi of pis) {
          expect(moesif.ledger.get(pi.id), pi.id).toMatchObject({ transaction_id: pi.id, amount: 10, type: 'credit', subscription_id: 'sub_alice' });
        }
        expect([...moesif.ledger.keys()].sort()).toEqual(pis.map((pi) => pi.id).sort());

        // --- Re-deliveries: only where the sender could not know Moesif had accepted (deduped by transaction_id). ---
        const logsOf = children.map((c) => c.logLines());
        const acceptedCount = new Map<string, number>();
        for (const tx of moesif.accepted) acceptedCount.set(tx.transaction_id, (acceptedCount.get(tx.transaction_id) ?? 0) + 1);
        const redelivered = [...acceptedCount].filter(([, n]) => n > 1).map(([id]) => id);
        const accepted = proxies.map((p) =>
          p.requests
            .filter((r) => r.method === 'POST' && r.status !== null && r.status < 300)
            .map((r) => ({ ...r, transactionId: (JSON.parse(r.body) as TransactionBody).transaction_id ?? '' })),
        );
        /** What each instance sent for a transaction id, and what it logged about it (for failure messages). */
        const story = (id: string): string =>
          [
            ...proxies.flatMap((p, i) =>
              p.requests
                .filter((r) => r.body.includes(id))
                .map((r) => `  instance-${i} POST received +${r.receivedAt - started} ms, answered ${r.answeredAt === null ? 'never' : `+${r.answeredAt - started} ms`} status ${r.status}`),
            ),
            ...children.flatMap((c, i) =>
              logsOf[i]!
                .filter((l) => l.transactionId === id)
                .map((l) => `  ${c.name} log +${Number(l.time) - started} ms: ${String(l.msg)} ${JSON.stringify({ attempt: l.attempt, error: l.error })}`),
            ),
            `  (kill at +${killedAt - started} ms)`,
          ].join('\n');
        // Every acceptance that was followed by another attempt must be explained by its sender not
        // knowing it had succeeded: it was SIGKILLed with the request in flight (the brief's case), or its
        // HTTP client gave up (timeout / connection error) while Moesif still accepted the request.
        // An instance that had recorded the success and yet let the credit be sent again is a bug.
        // What the sender learnt of an attempt is the outcome it logged for it: an instance's POSTs of
        // one transaction (as its proxy recorded them) and its outcome lines for it are in the same
        // order, so they are paired by position, not by clock (a busy machine can starve the test
        // process, whose proxy then records a request even after its sender gave up waiting).
        const OUTCOME = /^ledger entry (delivered to Moesif|delivery failed: will retry|refused: dead|out of attempts: dead)$/;
        const outcomeOf = (instance: number, id: string, receivedAt: number) => {
          const posts = proxies[instance]!.requests.filter((r) => r.method === 'POST' && r.body.includes(id)).sort((x, y) => x.receivedAt - y.receivedAt);
          const outcomes = logsOf[instance]!.filter((l) => l.transactionId === id && OUTCOME.test(String(l.msg))).sort((x, y) => Number(x.time) - Number(y.time));
          return outcomes[posts.findIndex((r) => r.receivedAt === receivedAt)];
        };
        const acceptances = accepted.flatMap((list, instance) => list.map((r) => ({ ...r, instance })));
        let killedInFlight = 0;
        let answeredTooLate = 0;
        const unexplained: string[] = [];
        for (const id of redelivered) {
          const forId = acceptances.filter((a) => a.transactionId === id).sort((a, b) => a.receivedAt - b.receivedAt);
          for (const [k, a] of forId.slice(0, -1).entries()) {
            const nextAt = forId[k + 1]!.receivedAt;
            const outcome = outcomeOf(a.instance, id, a.receivedAt);
            const knewItWasDelivered = outcome?.msg === 'ledger entry delivered to Moesif';
            const sawNetworkFailure =
              outcome?.msg === 'ledger entry delivery failed: will retry' && String(outcome.error).startsWith('request to Moesif failed');
            if (knewItWasDelivered) unexplained.push(`${id} (instance-${a.instance} knew it was delivered)\n${story(id)}`);
            else if (sawNetworkFailure) answeredTooLate += 1;
            else if (a.instance === KILLED && nextAt > killedAt) killedInFlight += 1;
            else unexplained.push(`${id}\n${story(id)}`);
          }
        }
        expect(unexplained, 'transactions sent again although no instance had reason to').toEqual([]);
        expect(killedInFlight).toBeLessThanOrEqual(MAX_CLAIMED);
        expect(moesif.accepted.length).toBe(EVENTS + killedInFlight + answeredTooLate);
        // The proxies saw every acceptance Moesif counted (sanity of the attribution).
        expect(accepted.flat().length).toBe(moesif.accepted.length);
        // Attribution sanity: nothing reached Moesif from the killed instance after its exit was observed
        // (a grace: bytes it wrote before dying are read by this process's event loop later, up to
        // seconds later on a CI machine running two suites at once).
        const lastFromKilled = Math.max(0, ...proxies[KILLED]!.requests.map((r) => r.receivedAt));
        expect(lastFromKilled).toBeLessThanOrEqual(killedExitObservedAt + 3_000);

        // --- The store: every entry delivered, no pending. ---
        const counts = await store.outbox.countByState();
        expect(counts).toEqual({ pending: 0, delivered: EVENTS, failed: 0, dead: 0 });
        const entries = await store.outbox.list({ limit: EVENTS + 100 });
        expect(entries).toHaveLength(EVENTS);
        expect(entries.every((e) => e.state === 'delivered')).toBe(true);
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        try {
          const { rows } = await client.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${schema}.stripe_events`);
          expect(rows[0]!.n).toBe(EVENTS); // each distinct event recorded once, whoever received it
        } finally {
          await client.end();
        }

        // --- The webhooks: every delivery acknowledged; no live instance ever answered non-2xx. ---
        expect(stats.non2xx).toEqual([]);
        expect((stats.outcomes.get('queued') ?? 0) + (stats.outcomes.get('duplicate') ?? 0)).toBe(jobs.length);
        expect(stats.outcomes.get('queued') ?? 0).toBeLessThanOrEqual(EVENTS);
        expect(stats.outcomes.get('ignored') ?? 0).toBe(0);

        // The survivors still run and are ready.
        for (const [i, child] of children.entries()) {
          if (i === KILLED) continue;
          expect(child.alive, `${child.name} exited: ${child.stderr}`).toBe(true);
          expect((await fetch(`http://127.0.0.1:${ports[i]}/readyz`)).status).toBe(200);
        }

        const perInstance = accepted.map((a, i) => `instance-${i}${i === KILLED ? ' (killed)' : ''}: ${a.length}`).join(', ');
        console.log(
          [
            `multi-instance: ${EVENTS} distinct events, ${duplicates} duplicate deliveries, ${jobs.length} deliveries in all`,
            `  ${stats.requests} webhook requests: ${stats.failedOnKilled} failed because instance-${KILLED} died under them (re-sent),`,
            `  ${stats.redirected} sent to a live instance instead of the dead one; outcomes ${JSON.stringify(Object.fromEntries(stats.outcomes))}`,
            `  sending took ${sentAt - started} ms; instance-${KILLED} SIGKILLed ${killedAt - started} ms in`,
            `  Moesif ledger complete ${drainedAt - sentAt} ms after the last webhook; store all delivered after ${recordedAt - sentAt} ms`,
            `  Moesif acceptances per instance: ${perInstance}`,
            `  re-deliveries of credits in flight on the killed instance (deduped by Moesif): ${killedInFlight} (at most ${MAX_CLAIMED})`,
            `  re-deliveries after a Moesif answer came later than the client's timeout (deduped by Moesif): ${answeredTooLate}`,
          ].join('\n'),
        );
      },
      // A bound, not a duration: a quiet machine takes about 25 s; CI runs two suites side by side.
      180_000,
    );
  });
}
