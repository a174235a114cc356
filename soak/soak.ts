import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeMoesif } from '../src/simulators/fake-moesif.js';
import { FakeStripe } from '../src/simulators/stripe/fake-stripe.js';
import { loadInvoice } from './invoice-purchase.js';
import { MOESIF_KEY, WEBHOOK_SECRET, simulatedEnv } from '../src/simulators/simulated-env.js';
import { expectedLedger } from './expected-ledger.js';
import { KillSchedule, killPoints, type KillRecord } from './kill-schedule.js';
import { summarizeLogs, type LogSummary } from './instance-logs.js';
import { checkLedger, type LedgerCheck } from './ledger-check.js';
import { DEFAULT_MOESIF_FAILURES, MoesifChaos, type MoesifFailureRates } from './moesif-chaos.js';
import { waitForDrain, type DrainResult } from './outbox-drain.js';
import { buildPlan, type PlanCounts } from './plan.js';
import { dropSchema, soakSchemaName, urlWithSchema } from './postgres-target.js';
import { Rng } from './rng.js';
import { ServiceInstance } from './service-instance.js';
import { newSenderStats, sendWebhooks, type SenderStats } from './webhook-sender.js';

export type SoakStore = 'sqlite' | 'postgres';

export interface SoakOptions {
  store: SoakStore;
  topUps: number;
  seed: number;
  /** Service processes on the one database (SQLite: 1; PostgreSQL: default 2). */
  instances?: number;
  /** SIGKILL + restart this many times (default 3). */
  kills?: number;
  /** Base URL of the PostgreSQL server (store 'postgres'); the run uses a schema of its own. */
  postgresUrl?: string;
  /** Webhook requests in flight at once (default 16). */
  senderConcurrency?: number;
  moesifFailures?: MoesifFailureRates;
  /** Fake Moesif latency per request, so deliveries are in flight when a kill lands (default 2 ms). */
  moesifLatencyMs?: number;
  /** Everything (sending and draining) must be done by then (default max(120 s, 30 ms per top-up)). */
  timeLimitMs?: number;
  /** Keep the SQLite file / PostgreSQL schema and the instance logs: never (default), when the run is not clean, or always. */
  keepData?: 'never' | 'on-failure' | 'always';
  /** Extra environment for the instances (e.g. to check that a broken setting is caught). */
  serviceEnv?: Record<string, string>;
  /** Progress lines (none when omitted). */
  log?: (line: string) => void;
  progressEveryMs?: number;
}

export interface SoakReport {
  ok: boolean;
  /** Each a reason the run is not clean (exit 1). */
  problems: string[];
  /** Worth knowing, not a failure. */
  warnings: string[];
  store: SoakStore;
  instances: number;
  seed: number;
  durationMs: number;
  plan: PlanCounts & { expectedTransactions: number };
  webhooks: SenderStats;
  chaos: {
    killsRequested: number;
    kills: number;
    restarts: number;
    killedAtDelivery: number[];
    restartMsMax: number;
    moesifPosts: number;
    moesifFailures: { error500: number; error429: number; timeout: number; total: number };
  };
  moesif: {
    accepted: number;
    ledgerTransactions: number;
    /** Transaction ids accepted more than once (Moesif dedupes them; allowed, reported). */
    duplicateTransactionIds: number;
    /** … of which a SIGKILL fell between two acceptances (the delivery was in flight at the kill). */
    duplicatesAtKills: number;
    /** … the rest: a client-side timeout or a lease taken over while the first attempt was still in flight. */
    duplicatesOtherwise: number;
    duplicateSamples: string[];
  };
  outbox: DrainResult;
  ledger: LedgerCheck;
  shutdown: { instance: string; code: number | null; signal: string | null }[];
  /** What the instances logged (LOG_LEVEL=warn): Moesif failures are warnings; errors are worth a look. */
  logs: LogSummary;
  /** Where the data and logs were (removed unless `kept`). */
  data: { databaseUrl: string; workDir: string; kept: boolean };
}

const emptyLedger = (expected: number): LedgerCheck => ({
  expectedTransactions: expected,
  actualTransactions: 0,
  credits: 0,
  debits: 0,
  missing: 0,
  unexpected: 0,
  mismatched: 0,
  samples: [],
  subscriptions: [],
  totalsMismatched: 0,
  expectedTotal: '0',
  actualTotal: '0',
  acceptedMoreThanOnce: [],
  duplicateAcceptances: 0,
});

/** Data of runs in progress, so an interrupted CLI can still remove it. */
const activeData = new Set<{ workDir: string; postgresUrl: string | null; schema: string | null }>();

/**
 * Removes the data of runs still in progress (temporary directory, PostgreSQL schema); for a
 * SIGINT handler, after the instances were killed. Best effort, bounded by `timeoutMs`.
 */
export async function removeActiveRunData(timeoutMs = 5_000): Promise<void> {
  const work = [...activeData].map(async (d) => {
    rmSync(d.workDir, { recursive: true, force: true });
    if (d.postgresUrl && d.schema) await dropSchema(d.postgresUrl, d.schema).catch(() => undefined);
  });
  activeData.clear();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(work), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
  clearTimeout(timer);
}

/** Environment of every instance: fast retries, a short Moesif timeout, no periodic reconciliation. */
function instanceEnv(stripe: FakeStripe, moesif: FakeMoesif, databaseUrl: string, extra: Record<string, string>): Record<string, string> {
  const env = simulatedEnv(stripe, moesif, {
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    MOESIF_TIMEOUT_MS: '300',
    OUTBOX_LEASE_MS: '1000',
    OUTBOX_RETRY_BASE_DELAY_MS: '20',
    OUTBOX_RETRY_MAX_DELAY_MS: '300',
    OUTBOX_POLL_INTERVAL_MS: '50',
    // The plan's events are not in the fake Stripe's event list; a sweep would find nothing, so none runs.
    RECONCILE_INTERVAL_MS: '0',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...extra,
  });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * One chaos soak: the real service (1 or more processes on one database) receives the planned
 * webhooks while Moesif fails at random and instances are SIGKILLed and restarted; at the end the
 * fake Moesif's ledger must equal the ledger computed from the plan, to the cent.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const say = (line: string) => log(`[soak ${options.store}] ${((Date.now() - started) / 1000).toFixed(1)}s ${line}`);
  const instancesWanted = options.instances ?? (options.store === 'postgres' ? 2 : 1);
  const killsRequested = options.kills ?? 3;
  const timeLimitMs = options.timeLimitMs ?? Math.max(120_000, options.topUps * 30);
  const deadline = started + timeLimitMs;
  const problems: string[] = [];
  const warnings: string[] = [];

  if (options.store === 'sqlite' && instancesWanted !== 1) throw new Error('SQLite runs one instance (several instances need PostgreSQL)');
  if (options.store === 'postgres' && !options.postgresUrl) throw new Error('store postgres needs postgresUrl');
  if (!Number.isInteger(options.topUps) || options.topUps < 1) throw new Error('topUps must be a positive integer');

  const plan = buildPlan({ topUps: options.topUps, seed: options.seed });
  const expected = expectedLedger(plan);
  say(
    `plan: ${plan.counts.topUps} top-ups, ${plan.counts.refunds} refunds (${plan.counts.refundReversals} failing), ` +
      `${plan.counts.deliveries} deliveries, ${expected.size} expected transactions`,
  );

  const workDir = mkdtempSync(join(tmpdir(), `topup-sync-soak-${options.store}-`));
  const schema = options.store === 'postgres' ? soakSchemaName() : null;
  const databaseUrl = schema ? urlWithSchema(options.postgresUrl!, schema) : `sqlite:${join(workDir, 'soak.db')}`;
  const data = { workDir, postgresUrl: options.postgresUrl ?? null, schema };
  activeData.add(data);

  let stripe: FakeStripe | null = null;
  let moesif: FakeMoesif | null = null;
  let chaos: MoesifChaos | null = null;
  let kills: KillSchedule | null = null;
  let progress: NodeJS.Timeout | null = null;
  const instances: ServiceInstance[] = [];
  const webhooks: SenderStats = newSenderStats(plan.deliveries.length);
  let firstSends = 0;
  let outbox: DrainResult = { pending: -1, delivered: -1, failed: -1, dead: -1, drained: false, read: false, waitedMs: 0 };
  let ledger = emptyLedger(expected.size);
  const shutdown: SoakReport['shutdown'] = [];
  let duplicates = { ids: 0, atKills: 0, otherwise: 0, samples: [] as string[] };

  try {
    stripe = await new FakeStripe().start();
    moesif = await new FakeMoesif({ apiKey: MOESIF_KEY, latencyMs: options.moesifLatencyMs ?? 2 }).start();
    for (const c of plan.customers) {
      stripe.addCustomer({
        id: c.customerId,
        defaultPaymentMethod: 'pm_card_visa',
        paymentMethods: ['pm_card_visa'],
        subscriptions: [{ id: c.subscriptionId, status: 'active' }],
      });
    }
    // Refunds seen before their payment make the service ask Stripe whose PaymentIntent it is.
    for (const t of plan.topUps) stripe.paymentIntents.set(t.paymentIntent.id, t.paymentIntent);
    // The service reads an invoice, its lines, their Prices and its payments from Stripe.
    for (const invoice of plan.invoices) loadInvoice(stripe, invoice, Math.floor(Date.now() / 1000));
    chaos = new MoesifChaos(moesif, Rng.derive(options.seed, 'moesif'), options.moesifFailures ?? DEFAULT_MOESIF_FAILURES);
    chaos.start();

    const env = instanceEnv(stripe, moesif, databaseUrl, options.serviceEnv ?? {});
    for (let i = 0; i < instancesWanted; i++) {
      instances.push(new ServiceInstance(`${options.store}-${i + 1}`, env, workDir, join(workDir, `instance-${i + 1}.log`)));
    }
    await Promise.all(instances.map((i) => i.start()));
    say(`${instances.length} instance(s) ready on ${schema ? `PostgreSQL schema ${schema}` : databaseUrl}`);

    const m = moesif;
    const points = killPoints(killsRequested, plan.deliveries.length, Rng.derive(options.seed, 'kills'));
    kills = new KillSchedule(instances, points, Rng.derive(options.seed, 'victims'), () => m.accepted.length, say);
    const k = kills;
    if (options.progressEveryMs) {
      progress = setInterval(() => {
        say(
          `webhooks sent ${firstSends}/${plan.deliveries.length}, acknowledged ${webhooks.acknowledged}, retries ${webhooks.retries.total}; ` +
            `Moesif ledger ${m.ledger.size}/${expected.size} (${m.requests.length} posts); kills ${k.records.length}/${killsRequested}`,
        );
      }, options.progressEveryMs);
      progress.unref();
    }

    const senderOptions = {
      secret: WEBHOOK_SECRET,
      concurrency: options.senderConcurrency ?? 16,
      targets: () => instances.filter((i) => i.ready).map((i) => i.origin),
      deadline: started + Math.floor(timeLimitMs * 0.8),
      onFirstSend: (sent: number) => {
        firstSends = sent;
        k.onSent(sent);
      },
    };
    await sendWebhooks(plan.deliveries, senderOptions, webhooks);
    say(`webhooks: ${webhooks.acknowledged}/${plan.deliveries.length} acknowledged, ${webhooks.retries.total} retries`);

    await kills.killRemaining(200);
    if (kills.error) problems.push(`kill/restart failed: ${kills.error.message}`);

    outbox = await waitForDrain(instances, deadline, () => {});
    const o = outbox;
    say(`outbox: pending ${o.pending}, delivered ${o.delivered}, failed ${o.failed}, dead ${o.dead} (waited ${o.waitedMs} ms)`);

    ledger = checkLedger(expected, moesif.ledger, moesif.accepted);
    const acceptedOrder = moesif.accepted.map((t) => t.transaction_id);
    duplicates = classifyDuplicates(ledger.acceptedMoreThanOnce, acceptedOrder, kills.records);
  } catch (err) {
    problems.push(`soak aborted: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    if (progress) clearInterval(progress);
    await kills?.idle().catch(() => undefined);
    for (const instance of instances) {
      const exit = await instance.stop(10_000).catch(() => null);
      if (exit) shutdown.push({ instance: instance.name, code: exit.code, signal: exit.signal });
    }
    chaos?.stop();
  }
  const logs = summarizeLogs(instances.map((i) => i.logFile));

  const injected = chaos?.injected() ?? { error500: 0, error429: 0, timeout: 0, total: 0, posts: 0 };
  const accepted = moesif?.accepted.length ?? 0;
  await stripe?.stop().catch(() => undefined);
  await moesif?.stop().catch(() => undefined);

  // ---- verdict ----
  if (webhooks.undelivered > 0) problems.push(`${webhooks.undelivered} webhook deliveries never acknowledged`);
  if (webhooks.rejected > 0) {
    problems.push(`${webhooks.rejected} webhook deliveries rejected (4xx): ${webhooks.rejectedSamples.slice(0, 3).join('; ')}`);
  }
  if (!outbox.read) problems.push('outbox counts could not be read from any instance');
  else {
    if (outbox.pending !== 0) problems.push(`${outbox.pending} outbox entries still pending`);
    if (outbox.failed !== 0) problems.push(`${outbox.failed} outbox entries failed`);
    if (outbox.dead !== 0) problems.push(`${outbox.dead} outbox entries dead`);
    if (outbox.delivered !== expected.size) problems.push(`${outbox.delivered} outbox entries delivered, ${expected.size} expected`);
  }
  if (ledger.missing > 0) problems.push(`${ledger.missing} expected transactions missing at Moesif`);
  if (ledger.unexpected > 0) problems.push(`${ledger.unexpected} unexpected transactions at Moesif`);
  if (ledger.mismatched > 0) problems.push(`${ledger.mismatched} transactions differ in type/amount/company/subscription`);
  if (ledger.totalsMismatched > 0) problems.push(`${ledger.totalsMismatched} subscription totals differ`);
  if (ledger.expectedTotal !== ledger.actualTotal) problems.push(`total ${ledger.actualTotal} at Moesif, ${ledger.expectedTotal} expected`);
  const killCount = kills?.records.length ?? 0;
  if (killCount < killsRequested) problems.push(`${killCount} kills done, ${killsRequested} asked for`);

  if ((webhooks.outcomes.ignored ?? 0) > 0) {
    warnings.push(`${webhooks.outcomes.ignored} webhooks answered 'ignored': ${webhooks.ignoredNotes.slice(0, 3).join('; ')}`);
  }
  if (duplicates.otherwise > 0) {
    warnings.push(
      `${duplicates.otherwise} transaction ids accepted twice by Moesif without a kill in between (client timeout or lease takeover)`,
    );
  }
  for (const s of shutdown) {
    if (s.code !== 0) warnings.push(`${s.instance} exited ${s.code ?? s.signal} on SIGTERM at the end (expected 0)`);
  }
  if (logs.error + logs.fatal > 0) {
    warnings.push(`instances logged ${logs.error} errors, ${logs.fatal} fatal: ${logs.errors.slice(0, 3).join('; ')}`);
  }
  const forced = instances.reduce((n, i) => n + i.forcedStops, 0);
  if (forced > 0) warnings.push(`${forced} graceful stops needed SIGKILL`);

  const ok = problems.length === 0;
  const keep = options.keepData === 'always' || (options.keepData === 'on-failure' && !ok);
  activeData.delete(data);
  if (!keep) {
    rmSync(workDir, { recursive: true, force: true });
    if (schema) {
      await dropSchema(options.postgresUrl!, schema).catch((err: unknown) => warnings.push(`could not drop schema ${schema}: ${String(err)}`));
    }
  }

  return {
    ok,
    problems,
    warnings,
    store: options.store,
    instances: instancesWanted,
    seed: options.seed,
    durationMs: Date.now() - started,
    plan: { ...plan.counts, expectedTransactions: expected.size },
    webhooks,
    chaos: {
      killsRequested,
      kills: killCount,
      restarts: instances.reduce((n, i) => n + Math.max(0, i.starts - 1), 0),
      killedAtDelivery: kills?.records.map((r) => r.atDelivery) ?? [],
      restartMsMax: Math.max(0, ...(kills?.records.map((r) => r.restartMs) ?? [])),
      moesifPosts: injected.posts,
      moesifFailures: { error500: injected.error500, error429: injected.error429, timeout: injected.timeout, total: injected.total },
    },
    moesif: {
      accepted,
      ledgerTransactions: ledger.actualTransactions,
      duplicateTransactionIds: duplicates.ids,
      duplicatesAtKills: duplicates.atKills,
      duplicatesOtherwise: duplicates.otherwise,
      duplicateSamples: duplicates.samples,
    },
    outbox,
    ledger: { ...ledger, acceptedMoreThanOnce: ledger.acceptedMoreThanOnce.slice(0, 20) },
    shutdown,
    logs,
    data: { databaseUrl, workDir, kept: keep },
  };
}

/**
 * A transaction id accepted twice is explained by a kill when its first acceptance came before
 * (or, in flight, just after) a SIGKILL and a later one after it: the process died after Moesif
 * accepted, before its store recorded the delivery, and the entry was delivered again.
 */
function classifyDuplicates(ids: readonly string[], acceptedOrder: readonly string[], kills: readonly KillRecord[]) {
  const positions = new Map<string, number[]>();
  const wanted = new Set(ids);
  acceptedOrder.forEach((id, i) => {
    if (!wanted.has(id)) return;
    const list = positions.get(id) ?? [];
    list.push(i);
    positions.set(id, list);
  });
  let atKills = 0;
  const samples: string[] = [];
  for (const [id, list] of positions) {
    const first = list[0]!;
    const last = list[list.length - 1]!;
    const atKill = kills.some((k) => first < k.acceptedAfter && last >= k.acceptedBefore);
    if (atKill) atKills += 1;
    if (samples.length < 10) samples.push(`${id} ×${list.length}${atKill ? ' (kill in between)' : ''}`);
  }
  return { ids: ids.length, atKills, otherwise: ids.length - atKills, samples };
}
