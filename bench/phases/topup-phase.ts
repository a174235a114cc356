import { Pool } from 'undici';
import type { SeenRequest } from '../../src/simulators/stripe/fake-stripe.js';
import { percentileOfSorted, round, roundSummary, summarize } from '../percentiles.js';
import { plainRow, targetRow } from '../report.js';
import { API_KEY, profileOf, serviceLogStats, startService, waitForCredits, type BenchContext, type PhaseOutcome } from './context.js';
import { cpuRows, PhaseCpu, serviceMetrics, warnIfBusy } from './service-report.js';

/** Each top-up's answer must arrive within this, or it counts as failed. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface TopUpAnswer {
  customer: string;
  /** ms from the request's scheduled start (open loop: no coordinated omission). */
  latencyMs: number;
  /** performance.now() when the answer arrived (NaN: none). */
  answeredAt: number;
  status: string;
  paymentIntentStatus: string | null;
}

/**
 * `POST /top-up` at a fixed rate (open loop, server-to-server API key, `flow: off_session`), the
 * fake Stripe answering every API call after `--stripe-latency` ms. Every top-up is for a customer
 * the service has never seen, so each one takes the uncached path (customer, subscription and card
 * look-ups, then the PaymentIntent), and every Stripe call names that customer: a top-up's Stripe
 * time is how long at least one of its calls was open at the fake Stripe (the union of their
 * intervals, so calls made in parallel count once), and the service's own overhead is its answer
 * time minus that.
 * The credits (the fast path queues each succeeded PaymentIntent) are checked at the fake Moesif.
 */
export async function runTopUpPhase(ctx: BenchContext): Promise<PhaseOutcome> {
  const phase = 'topup';
  const { options, moesif, stripe } = ctx;
  const { total, warmup, customers } = prepareTopUps(ctx, 't');
  // Every top-up is for a new customer, so the per-customer limit never bites; the per-key limit
  // is raised to the bench's rate (its default, 1,200/min, is 20/s).
  const service = await startService(ctx, phase, {
    RATE_LIMIT_TOP_UPS_PER_MINUTE: '1000000',
    RATE_LIMIT_API_KEY_REQUESTS_PER_MINUTE: '1000000',
  });
  const pool = new Pool(service.origin, { connections: 64, pipelining: 1, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
  try {
    ctx.log(`${phase}: ${warmup} warm-up top-ups, then ${options.topUpRate}/s for ${options.topUpSeconds} s, Stripe latency ${options.stripeLatencyMs} ms`);
    const callsAtStart = stripe.requests.length;
    await sendAtRate(pool, customers.slice(0, warmup), options.topUpRate);
    const stripeCallsBefore = stripe.requests.length;
    const cpu = new PhaseCpu(service.pid, options.store);
    cpu.start();
    const startedAt = performance.now();
    const answers = await sendAtRate(pool, customers.slice(warmup), options.topUpRate);
    const elapsedS = (performance.now() - startedAt) / 1000;
    const cpuUse = cpu.stop(null);
    warnIfBusy(ctx, phase, cpuUse);
    const stripeCalls = stripe.requests.length - stripeCallsBefore;

    const succeeded = answers.filter((a) => a.status === '201' && a.paymentIntentStatus === 'succeeded').length;
    const drain = await waitForCredits(ctx, warmup + succeeded, options.drainTimeoutS * 1000);
    // Every call of every top-up, its delivery's included (all credited by now): exact, unlike the window's.
    const callsPerTopUpWholePhase = (stripe.requests.length - callsAtStart) / (warmup + total);
    const metrics = await serviceMetrics(service);
    const peakRssMb = service.peakRssMb();
    await service.stop();
    const from = performance.timeOrigin + startedAt;
    const profile = profileOf(ctx, phase, service, [{ label: `at ${options.topUpRate}/s`, from, to: from + elapsedS * 1000 }]);

    const latency = summarize(answers.filter((a) => a.status === '201').map((a) => a.latencyMs));
    // Calls made while answering (the delivery's own subscription look-up comes after the answer).
    const callsPerTopUp = stripeCalls / total;
    const stripeMs = stripeTimePerTopUp(stripe.requests.slice(stripeCallsBefore), answers);
    const overhead = overheadSummary(answers, stripeMs);
    const statuses: Record<string, number> = {};
    for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    const correctness = {
      expected: warmup + succeeded,
      delivered: moesif.delivered,
      duplicates: moesif.counters.duplicates,
      failed: total - succeeded,
      ok: drain.complete && moesif.delivered === warmup + succeeded && moesif.counters.duplicates === 0 && succeeded === total,
    };
    const atBenchRate = options.topUpRate === 200 && options.stripeLatencyMs === 50;
    const json = {
      rate: options.topUpRate,
      seconds: options.topUpSeconds,
      stripeLatencyMs: options.stripeLatencyMs,
      answeredPerSecond: round(answers.filter((a) => a.status === '201').length / elapsedS, 1),
      statuses,
      latencyMs: roundSummary(latency),
      stripeCallsPerTopUp: round(callsPerTopUp, 3),
      stripeCallsPerTopUpWholePhase: round(callsPerTopUpWholePhase, 3),
      overheadMs: { p50: round(overhead.p50, 2), p99: round(overhead.p99, 2) },
      correctness,
      peakRssMb: round(peakRssMb, 1),
      cpu: cpuUse,
      serviceMetrics: metrics,
      serviceLog: serviceLogStats(ctx, phase),
      ...(profile.summary ? { cpuProfile: profile.summary } : {}),
    };
    const rows = [
      plainRow(phase, 'top-ups answered / s', json.answeredPerSecond, `(asked ${options.topUpRate})`),
      plainRow(phase, 'latency p50', latency.p50, 'ms'),
      plainRow(phase, 'latency p99', latency.p99, 'ms'),
      plainRow(phase, 'Stripe calls per top-up', callsPerTopUp, `of ${options.stripeLatencyMs} ms each`),
      plainRow(phase, 'Stripe time per top-up p50', percentileOfSorted([...stripeMs.values()].sort((a, b) => a - b), 50), 'ms'),
      plainRow(phase, 'own overhead p50', overhead.p50, 'ms'),
      targetRow(phase, 'own overhead p99', overhead.p99, 'ms', { op: '<=', bound: 10, applies: atBenchRate, label: 'ms @200/s, Stripe 50 ms' }),
      plainRow(phase, 'not 201 succeeded', total - succeeded),
      plainRow(phase, 'credits expected = delivered, 0 duplicated', correctness.ok ? 'yes' : 'NO'),
      plainRow(phase, 'peak RSS (service)', peakRssMb, 'MB'),
      ...cpuRows(phase, 'CPU', cpuUse),
    ];
    return { json, rows, notes: profile.notes };
  } finally {
    stripe.setLatency(0);
    await pool.close().catch(() => undefined);
    await service.stop(2_000);
  }
}

/**
 * The top-ups of a phase: `warmup` then `total` customers the fake Stripe knows (each with a
 * default card and one active subscription), the fakes reset to the bench's latencies.
 */
export function prepareTopUps(ctx: BenchContext, tag: string): { total: number; warmup: number; customers: string[] } {
  const { options, moesif, stripe } = ctx;
  const total = Math.round(options.topUpRate * options.topUpSeconds);
  const warmup = Math.min(total, Math.max(1, Math.round(options.topUpRate)));
  const customers = Array.from({ length: warmup + total }, (_, i) => `cus_${ctx.runTag}${tag}${i}`);
  for (const [i, id] of customers.entries()) {
    stripe.addCustomer({ id, defaultPaymentMethod: 'pm_card_visa', paymentMethods: ['pm_card_visa'], subscriptions: [{ id: `sub_${ctx.runTag}${tag}${i}`, status: 'active' }] });
  }
  moesif.reset();
  moesif.setDown(false);
  moesif.setLatency(options.moesifLatencyMs);
  stripe.setLatency(options.stripeLatencyMs);
  return { total, warmup, customers };
}

/**
 * Per customer (one top-up each): ms before the top-up's answer during which at least one of its
 * Stripe calls was open.
 */
export function stripeTimePerTopUp(requests: readonly SeenRequest[], answers: readonly TopUpAnswer[]): Map<string, number> {
  const answeredAt = new Map(answers.map((a) => [a.customer, a.answeredAt]));
  const intervals = new Map<string, [number, number][]>();
  for (const r of requests) {
    const customer = /cus_\w+/.exec(`${r.path} ${String(r.params.customer ?? '')}`)?.[0];
    if (!customer || r.answeredAt === null) continue;
    const end = answeredAt.get(customer) ?? Number.NaN;
    if (!(r.receivedAt < end)) continue;
    const list = intervals.get(customer) ?? [];
    // Clipped at the answer: the delivery's look-up may start (after the fast path queued the
    // credit) just before the answer reaches the client.
    list.push([r.receivedAt, Math.min(r.answeredAt, end)]);
    intervals.set(customer, list);
  }
  const busy = new Map<string, number>();
  for (const [customer, list] of intervals) {
    list.sort((a, b) => a[0] - b[0]);
    let total = 0;
    let [start, end] = list[0]!;
    for (const [s, e] of list.slice(1)) {
      if (s > end) {
        total += end - start;
        [start, end] = [s, e];
      } else end = Math.max(end, e);
    }
    busy.set(customer, total + end - start);
  }
  return busy;
}

/** Latency minus that top-up's own Stripe time; percentiles of that. */
export function overheadSummary(answers: TopUpAnswer[], stripeMs: Map<string, number>): { p50: number; p99: number } {
  const sorted = answers
    .filter((a) => a.status === '201')
    .map((a) => a.latencyMs - (stripeMs.get(a.customer) ?? 0))
    .sort((a, b) => a - b);
  return { p50: percentileOfSorted(sorted, 50), p99: percentileOfSorted(sorted, 99) };
}

/** Open loop: top-up i starts at start + i/rate, whatever the answers. */
export async function sendAtRate(pool: Pool, customers: string[], rate: number): Promise<TopUpAnswer[]> {
  const intervalMs = 1000 / rate;
  const start = performance.now() + 5;
  const pending: Promise<TopUpAnswer>[] = [];
  for (const [i, customer] of customers.entries()) {
    const scheduledAt = start + i * intervalMs;
    const wait = scheduledAt - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(topUp(pool, customer, scheduledAt));
  }
  return Promise.all(pending);
}

async function topUp(pool: Pool, customer: string, scheduledAt: number): Promise<TopUpAnswer> {
  try {
    const res = await pool.request({
      path: '/top-up',
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}`, 'idempotency-key': `bench-${customer}` },
      body: JSON.stringify({ customer_id: customer, amount: 1000, currency: 'usd' }),
    });
    const text = await res.body.text();
    const answeredAt = performance.now();
    const latencyMs = answeredAt - scheduledAt;
    const paymentIntentStatus = res.statusCode === 201 ? ((JSON.parse(text) as { status?: string }).status ?? null) : null;
    return { customer, latencyMs, answeredAt, status: String(res.statusCode), paymentIntentStatus };
  } catch (err) {
    return { customer, latencyMs: Number.NaN, answeredAt: Number.NaN, status: `error:${(err as { code?: string }).code ?? (err as Error).name}`, paymentIntentStatus: null };
  }
}
