import os from 'node:os';
import { parseArgs } from 'node:util';

/** Command-line options of `npm run bench -- …`. */

export const PHASES = ['baseline', 'ingest', 'floor-ingest', 'e2e', 'topup', 'floor-topup', 'backlog'] as const;
export type Phase = (typeof PHASES)[number];

export interface BenchOptions {
  phases: Phase[];
  /** Ingest (and baseline) events, closed loop. */
  events: number;
  /** Events sent before each phase's measurement starts (not measured; credits still checked). */
  warmup: number;
  /** Ingest (and baseline) duration in seconds instead of a count (null: use events). */
  durationS: number | null;
  connections: number;
  /** End-to-end phase: fixed rate (null: half the baseline's measured rate, or 2,000/s without a baseline) and length. */
  rate: number | null;
  e2eSeconds: number;
  moesifLatencyMs: number;
  store: 'sqlite' | 'postgres';
  postgresUrl: string;
  /** Parent of the per-run temporary directory (SQLite files, service logs). */
  dataDir: string;
  backlogEvents: number;
  /** Top-up phase: POST /top-up per second, for how long, and how long the fake Stripe takes per call. */
  topUpRate: number;
  topUpSeconds: number;
  stripeLatencyMs: number;
  outboxConcurrency: number;
  /** OUTBOX_POST_THREAD for the service (null: the service's default). */
  postThread: boolean | null;
  /** OUTBOX_RETRY_BASE_DELAY_MS / OUTBOX_RETRY_MAX_DELAY_MS for the service (null: the service's defaults). */
  retryBaseMs: number | null;
  retryMaxMs: number | null;
  drainTimeoutS: number;
  build: boolean;
  keepData: boolean;
  /** Run the service with --cpu-prof and print where its main thread's time went. */
  profile: boolean;
}

export const USAGE = `npm run bench -- [options]

Phases (default: baseline, ingest, floor-ingest, e2e, topup, floor-topup; backlog only when asked):
  --phases LIST            comma-separated subset of ${PHASES.join(',')}
                           (floor-*: the same load against bench/floor-server.ts, which only acks
                           and forwards: how close to a target any service can get on this machine)
  --backlog                also run the backlog phase

Load:
  --events N               ingest/baseline: events sent closed loop (default 50000)
  --duration S             ingest/baseline: send for S seconds instead of --events
  --warmup N               events sent first in every phase, the same way, not measured (default 2000;
                           e2e: at most one second's worth at --rate)
  --connections N          HTTP connections of the load generator (default 32)
  --rate R                 e2e: webhooks per second, open loop (default: half the baseline's measured
                           rate when the baseline runs, else 2000)
  --e2e-seconds S          e2e: how long to send at --rate (default 10)
  --backlog-events N       backlog: events sent while Moesif is down (default 200000)
  --topup-rate R           topup: POST /top-up per second, open loop (default 200)
  --topup-seconds S        topup: how long to send at --topup-rate (default 10)
  --stripe-latency MS      topup: the fake Stripe's answer delay per API call (default 50)

Service and fakes:
  --moesif-latency MS      fake Moesif answer delay (default 20)
  --store sqlite|postgres  the service's store (default sqlite)
  --postgres-url URL       server for --store postgres (default $BENCH_POSTGRES_URL, $TEST_DATABASE_URL
                           or postgres://<user>@127.0.0.1:5432/test); each phase gets its own schema
  --data-dir DIR           where the run's temporary directory goes (default the OS temp dir;
                           e.g. /dev/shm to take fsync cost out of the SQLite numbers)
  --outbox-concurrency N   OUTBOX_CONCURRENCY (default 64, the service's default)
  --post-thread on|off     OUTBOX_POST_THREAD: deliveries' Moesif requests on a worker thread (default:
                           the service's default, on)
  --retry-base-ms MS       OUTBOX_RETRY_BASE_DELAY_MS (default: the service's default)
  --retry-max-ms MS        OUTBOX_RETRY_MAX_DELAY_MS (default: the service's default)
  --drain-timeout S        longest wait for all credits to reach the fake Moesif (default 180)
  --no-build               do not run \`npm run build\` first (dist/ must be current)
  --keep-data              keep the temporary directory (SQLite files, service logs)
  --profile                run the service with node --cpu-prof and print where its time went
                           (the profiler itself costs some throughput)
  --help`;

function positiveInt(name: string, raw: string | undefined, def: number): number {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}

function nonNegative(name: string, raw: string | undefined, def: number): number {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number ≥ 0, got "${raw}"`);
  return n;
}

/** Parses argv; returns null after printing the usage for --help. Throws on a bad option. */
export function parseBenchOptions(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      phases: { type: 'string' },
      backlog: { type: 'boolean' },
      events: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      rate: { type: 'string' },
      'e2e-seconds': { type: 'string' },
      'backlog-events': { type: 'string' },
      'topup-rate': { type: 'string' },
      'topup-seconds': { type: 'string' },
      'stripe-latency': { type: 'string' },
      'moesif-latency': { type: 'string' },
      store: { type: 'string' },
      'postgres-url': { type: 'string' },
      'data-dir': { type: 'string' },
      'outbox-concurrency': { type: 'string' },
      'post-thread': { type: 'string' },
      'retry-base-ms': { type: 'string' },
      'retry-max-ms': { type: 'string' },
      'drain-timeout': { type: 'string' },
      'no-build': { type: 'boolean' },
      'keep-data': { type: 'boolean' },
      profile: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return null;
  }
  let phases: Phase[] = ['baseline', 'ingest', 'floor-ingest', 'e2e', 'topup', 'floor-topup'];
  if (values.phases !== undefined) {
    const asked = values.phases.split(',').map((p) => p.trim()).filter(Boolean);
    const unknown = asked.filter((p) => !(PHASES as readonly string[]).includes(p));
    if (unknown.length > 0 || asked.length === 0) throw new Error(`--phases takes a comma-separated subset of ${PHASES.join(',')}`);
    phases = asked as Phase[];
  }
  if (values.backlog && !phases.includes('backlog')) phases.push('backlog');
  phases = PHASES.filter((p) => phases.includes(p)); // canonical order
  const store = values.store ?? 'sqlite';
  if (store !== 'sqlite' && store !== 'postgres') throw new Error('--store must be sqlite or postgres');
  const outboxConcurrency = positiveInt('outbox-concurrency', values['outbox-concurrency'], 64);
  if (outboxConcurrency > 256) throw new Error('--outbox-concurrency is at most 256 (the service\'s limit)');
  const postThreadText = values['post-thread'];
  if (postThreadText !== undefined && postThreadText !== 'on' && postThreadText !== 'off') throw new Error('--post-thread must be on or off');
  const durationS = values.duration === undefined ? null : nonNegative('duration', values.duration, 0);
  if (durationS !== null && (durationS <= 0 || durationS > 600)) throw new Error('--duration must be in (0, 600] seconds');
  const user = os.userInfo().username;
  return {
    phases,
    events: positiveInt('events', values.events, 50_000),
    durationS,
    warmup: Math.floor(nonNegative('warmup', values.warmup, 2_000)),
    connections: positiveInt('connections', values.connections, 32),
    rate: values.rate === undefined ? null : positiveInt('rate', values.rate, 2_000),
    e2eSeconds: positiveInt('e2e-seconds', values['e2e-seconds'], 10),
    moesifLatencyMs: nonNegative('moesif-latency', values['moesif-latency'], 20),
    store,
    postgresUrl:
      values['postgres-url'] ??
      process.env.BENCH_POSTGRES_URL ??
      process.env.TEST_DATABASE_URL ??
      `postgres://${encodeURIComponent(user)}@127.0.0.1:5432/test`,
    dataDir: values['data-dir'] ?? os.tmpdir(),
    backlogEvents: positiveInt('backlog-events', values['backlog-events'], 200_000),
    topUpRate: positiveInt('topup-rate', values['topup-rate'], 200),
    topUpSeconds: positiveInt('topup-seconds', values['topup-seconds'], 10),
    stripeLatencyMs: nonNegative('stripe-latency', values['stripe-latency'], 50),
    outboxConcurrency,
    postThread: postThreadText === undefined ? null : postThreadText === 'on',
    retryBaseMs: values['retry-base-ms'] === undefined ? null : positiveInt('retry-base-ms', values['retry-base-ms'], 1),
    retryMaxMs: values['retry-max-ms'] === undefined ? null : positiveInt('retry-max-ms', values['retry-max-ms'], 1),
    drainTimeoutS: positiveInt('drain-timeout', values['drain-timeout'], 180),
    build: !values['no-build'],
    keepData: Boolean(values['keep-data']),
    profile: Boolean(values.profile),
  };
}
